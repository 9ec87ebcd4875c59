"""Tries to reach the host: TCP to a loopback port and to the host's own address, DNS, and lists interfaces.
Usage: network.py PORT HOST_IP. Writes what it saw to /data/outputs/network.json."""
import json
import socket
import sys

port = int(sys.argv[1])
host_ip = sys.argv[2] if len(sys.argv) > 2 else ''
seen = {}


def attempt(label, action):
    try:
        seen[label] = {'ok': True, 'value': action()}
    except Exception as error:  # noqa: BLE001 - every failure is a result here
        seen[label] = {'ok': False, 'error': type(error).__name__ + ': ' + str(error)}


def connect(address):
    with socket.create_connection((address, port), timeout=2) as conn:
        conn.sendall(b'escaped\n')
        return 'connected'


attempt('loopback', lambda: connect('127.0.0.1'))
if host_ip:
    attempt('host', lambda: connect(host_ip))
attempt('dns', lambda: socket.getaddrinfo('example.com', 443))
attempt('dns_ip', lambda: socket.getaddrinfo('one.one.one.one', 53))
attempt('udp', lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('8.8.8.8', 53)))
attempt('interfaces', lambda: [name for _, name in socket.if_nameindex()])

with open('/data/outputs/network.json', 'w') as out:
    json.dump(seen, out)
