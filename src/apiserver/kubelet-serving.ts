// POST /v1-orca/serving-kubelet: a node agent that joined with the token asks
// for the certificate its stream endpoint serves with (k3s has the same at
// /v1-k3s/serving-kubelet.crt). The body is a PEM certificate request, so the
// agent's private key never leaves its machine and the signature proves it
// holds it. The rules are those of upstream's kubernetes.io/kubelet-serving
// signer: subject system:node:NAME in group system:nodes, only DNS names and
// IP addresses as alternative names. The answer is the signed certificate.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { errors } from '../api/status.ts';
import { isDns1123Subdomain } from '../api/validation/names.ts';
import { readBody } from './http.ts';
import type { UserInfo } from './registry/types.ts';
import { type CertificateRequest, type Pem, readCertificateRequest, signServingRequest } from './tls.ts';

export const kubeletServingPath = '/v1-orca/serving-kubelet';

const nodesGroup = 'system:nodes';
const nodeUserPrefix = 'system:node:';
/** A certificate request is well under a kilobyte; anything near this is not one. */
const maxRequestBytes = 64 * 1024;

/** Why a request may not become a node's serving certificate, or undefined when it may. */
export function servingRequestProblem(r: CertificateRequest): string | undefined {
  if (!r.commonName.startsWith(nodeUserPrefix))
    return `the subject's common name must be "${nodeUserPrefix}<node name>", got "${r.commonName}"`;
  const node = r.commonName.slice(nodeUserPrefix.length);
  if (isDns1123Subdomain(node).length > 0) return `"${node}" is not a valid node name`;
  if (r.organizations.length !== 1 || r.organizations[0] !== nodesGroup)
    return `the subject's organization must be exactly "${nodesGroup}"`;
  if (r.otherNames.length > 0)
    return `only DNS names and IP addresses may be requested, got ${r.otherNames.join(', ')}`;
  if (r.sans.dns.length + r.sans.ips.length === 0)
    return 'at least one DNS name or IP address must be requested';
  const badDns = r.sans.dns.find((d) => isDns1123Subdomain(d).length > 0);
  if (badDns !== undefined) return `"${badDns}" is not a valid DNS name`;
  const badIp = r.sans.ips.find((ip) => isIP(ip) === 0);
  if (badIp !== undefined) return `"${badIp}" is not a valid IP address`;
  return undefined;
}

/** Answers one request to the endpoint; throws a StatusError before anything is sent. */
export async function serveKubeletServing(
  ca: Pem,
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
): Promise<void> {
  if (req.method !== 'POST')
    throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
  if (!user.groups.includes(nodesGroup)) {
    throw errors.forbidden(
      `User "${user.name}" cannot request a node serving certificate: only group "${nodesGroup}" may`,
    );
  }
  const body = await readBody(req, maxRequestBytes);
  let csr: CertificateRequest;
  try {
    csr = await readCertificateRequest(body.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`invalid certificate request: ${(err as Error).message}`);
  }
  const problem = servingRequestProblem(csr);
  if (problem) throw errors.badRequest(`certificate request refused: ${problem}`);
  const cert = await signServingRequest(ca, csr);
  res.writeHead(200, {
    'Content-Type': 'application/x-pem-file',
    'Content-Length': Buffer.byteLength(cert),
  });
  res.end(cert);
}
