"""Loaded at start-up by every program engine/runner.py starts (it puts this folder on PYTHONPATH).

Snippets must run anywhere, offline included, so any network access outside this machine is refused
with an error that says so; the traceback then points at the snippet line that tried. Loopback stays
open because torch.distributed (DDP over gloo) talks to itself through it.
"""

import ipaddress
import socket
import sys


class NetworkAccessRefused(RuntimeError):
    pass


def _is_local(host) -> bool:
    if host in (None, "", "localhost", "localhost.localdomain"):
        return True
    if isinstance(host, bytes):
        host = host.decode()
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        # A host name other than localhost: resolving it is network access.
        return False


def _refuse(what):
    message = f"network access refused while testing snippets: {what}"
    # Visible even if a library swallows the exception.
    print(message, file=sys.stderr)
    raise NetworkAccessRefused(message)


def _check_address(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        _refuse(f"connect to {address!r}")


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_sendto = socket.socket.sendto
_getaddrinfo = socket.getaddrinfo


def connect(self, address):
    _check_address(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _check_address(self, address)
    return _connect_ex(self, address)


def sendto(self, data, *args):
    _check_address(self, args[-1])
    return _sendto(self, data, *args)


def getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        _refuse(f"resolve host name {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.socket.sendto = sendto
socket.getaddrinfo = getaddrinfo
