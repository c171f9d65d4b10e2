#!/usr/bin/python3
"""What one attempt from inside a tenant's unit got: run by boundary_it.cpp through the test agent's
/selftest/sh, as the tenant's uid, in its cgroup, namespaces and seccomp filter. Prints one word: "ok"
(or "connected") when the attempt worked, else the errno name (ECONNREFUSED, ENOENT, ...). Test only."""
import errno
import os
import socket
import sys


def name(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if isinstance(e, OSError) and e.errno else type(e).__name__


def main(argv):
    what = argv[1]
    try:
        if what == "tcp":  # tcp HOST PORT
            family = socket.AF_INET6 if ":" in argv[2] else socket.AF_INET
            s = socket.socket(family, socket.SOCK_STREAM)
            s.settimeout(3)
            s.connect((argv[2], int(argv[3])))
            return "connected"
        if what in ("abstract", "unix"):  # abstract NAME | unix PATH
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(3)
            s.connect(("\0" + argv[2]) if what == "abstract" else argv[2])
            return "connected"
        if what == "read":  # read PATH
            with open(argv[2], "rb") as f:
                f.read(16)
            return "ok"
        if what == "signal":  # signal PID
            os.kill(int(argv[2]), 0)
            return "ok"
        if what == "interfaces":
            return ",".join(sorted(n for _, n in socket.if_nameindex()))
        if what == "listen-abstract":  # listen-abstract NAME: a host service for the test to attack
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind("\0" + argv[2])
            s.listen(8)
            while True:
                s.accept()[0].close()
        return "usage"
    except socket.timeout:
        return "ETIMEDOUT"
    except OSError as e:
        return name(e)


if __name__ == "__main__":
    print(main(sys.argv))
