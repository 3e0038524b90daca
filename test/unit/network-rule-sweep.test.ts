import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatewayOf, parseIpv4Cidr } from '../../src/network/cidr.ts';
import { planSweep } from '../../src/network/rule-sweep.ts';

// Shaped like `iptables-save -t nat` after the bridge and portmap plugins ran for two networks.
const natSave = `*nat
:POSTROUTING ACCEPT [0:0]
:CNI-aaaaaaaaaaaaaaaaaaaaaaaa - [0:0]
:CNI-bbbbbbbbbbbbbbbbbbbbbbbb - [0:0]
:CNI-DN-aaaaaaaaaaaaaaaaaaaaa - [0:0]
-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
-A POSTROUTING -s 10.231.7.2/32 -m comment --comment "name: \\"orca-t1\\" id: \\"pod-a\\"" -j CNI-aaaaaaaaaaaaaaaaaaaaaaaa
-A POSTROUTING -s 10.231.8.2/32 -m comment --comment "name: \\"orca-t2\\" id: \\"pod-b\\"" -j CNI-bbbbbbbbbbbbbbbbbbbbbbbb
-A CNI-aaaaaaaaaaaaaaaaaaaaaaaa -d 10.231.7.0/24 -m comment --comment "name: \\"orca-t1\\" id: \\"pod-a\\"" -j ACCEPT
-A CNI-aaaaaaaaaaaaaaaaaaaaaaaa ! -d 224.0.0.0/4 -m comment --comment "name: \\"orca-t1\\" id: \\"pod-a\\"" -j MASQUERADE
-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"orca-t1\\" id: \\"pod-a\\"" -m multiport --dports 18080 -j CNI-DN-aaaaaaaaaaaaaaaaaaaaa
-A CNI-DN-aaaaaaaaaaaaaaaaaaaaa -p tcp -m tcp --dport 18080 -j DNAT --to-destination 10.231.7.2:8080
COMMIT
`;

test('a pod sweep deletes its jump rules and drops its own chains, leaving other networks alone', () => {
  const plan = planSweep('nat', natSave, { networkName: 'orca-t1', containerId: 'pod-a' });
  assert.deepEqual(plan.lines, [
    '-D POSTROUTING -s 10.231.7.2/32 -m comment --comment "name: \\"orca-t1\\" id: \\"pod-a\\"" -j CNI-aaaaaaaaaaaaaaaaaaaaaaaa',
    '-D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"orca-t1\\" id: \\"pod-a\\"" -m multiport --dports 18080 -j CNI-DN-aaaaaaaaaaaaaaaaaaaaa',
    '-F CNI-aaaaaaaaaaaaaaaaaaaaaaaa',
    '-F CNI-DN-aaaaaaaaaaaaaaaaaaaaa',
    '-X CNI-aaaaaaaaaaaaaaaaaaaaaaaa',
    '-X CNI-DN-aaaaaaaaaaaaaaaaaaaaa',
  ]);
});

test('another container id on the same network is not touched', () => {
  assert.deepEqual(planSweep('nat', natSave, { networkName: 'orca-t1', containerId: 'pod-z' }).lines, []);
});

test('a network sweep drops firewall-plugin rules for addresses inside the pod CIDR only', () => {
  const filterSave = [
    '*filter',
    '-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD',
    '-A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN',
    '-A CNI-FORWARD -d 10.231.7.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A CNI-FORWARD -s 10.231.7.2/32 -j ACCEPT',
    '-A CNI-FORWARD -s 10.231.8.2/32 -j ACCEPT',
    'COMMIT',
  ].join('\n');
  const plan = planSweep('filter', filterSave, { networkName: 'orca-t1', podCIDR: '10.231.7.0/24' });
  assert.deepEqual(plan.lines, [
    '-D CNI-FORWARD -d 10.231.7.2/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-D CNI-FORWARD -s 10.231.7.2/32 -j ACCEPT',
  ]);
});

test('the gateway is the first address of the pod range', () => {
  assert.equal(gatewayOf('10.42.0.0/24'), '10.42.0.1');
  assert.deepEqual(parseIpv4Cidr('10.42.3.77/24'), { network: '10.42.3.0', prefix: 24 });
  assert.throws(() => parseIpv4Cidr('10.42.0.0/33'));
});
