#!/usr/bin/env bash
# Quick start: installs what orca needs, starts a one-node cluster in the
# foreground and runs the example pod. Ctrl-C stops the cluster.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
bash scripts/setup.sh

data=${ORCA_DATA_DIR:-/var/lib/orca}
kubeconfig=${ORCA_KUBECONFIG:-/etc/orca/orca.yaml}
echo "quickstart: importing the example image (busybox, built locally)"
image_tar=$(mktemp --suffix=.tar)
trap 'rm -f "$image_tar"' EXIT
bash scripts/build-test-image.sh "$image_tar" localhost/busybox:1.35 >/dev/null
bin/orca images import --data-dir "$data" "$image_tar"

echo "quickstart: starting orca server (data in $data, kubeconfig $kubeconfig)"
rm -f "$kubeconfig"
bin/orca server --data-dir "$data" --write-kubeconfig "$kubeconfig" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -f "$image_tar"' EXIT INT TERM
for _ in $(seq 1 300); do [ -s "$kubeconfig" ] && break; sleep 0.1; done
export KUBECONFIG=$kubeconfig

kubectl apply -f examples/web-pod.yaml
if kubectl wait pod/web --for=condition=Ready --timeout=60s; then
  ip=$(kubectl get pod web -o jsonpath='{.status.podIP}')
  kubectl get pods -o wide
  cat <<MSG

The pod is running. Try:
  export KUBECONFIG=$kubeconfig
  curl http://$ip:8080/                      # the pod's IP, from this machine
  kubectl port-forward pod/web 8080:8080     # then: curl http://127.0.0.1:8080/
  kubectl logs web -c writer; kubectl exec -it web -c server -- sh

Press Ctrl-C to stop the cluster.
MSG
else
  kubectl describe pod web || true
fi
wait "$server"
