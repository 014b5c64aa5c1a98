#!/usr/bin/python3
"""Start one OpenStack service detached, for harness/openstack_services.py.

    launch.py PIDFILE LOGFILE TARGET [ARGS...]

* detaches into its own session, so its PID is also its process group ID and
  `openstack_services.py down` can stop it together with any worker it forks,
* writes its *own* PID to PIDFILE (no guessing from `$!`),
* sends stdout/stderr to LOGFILE,
* then runs TARGET with sys.argv = [TARGET] + ARGS, where TARGET is
    - "pkg.module:function"   -> import module, sys.exit(function())
    - "pkg.module"            -> run like `python3 -m pkg.module`
    - "wsgi:HOST:PORT:pkg.module:factory" -> serve factory() with a threaded
      stdlib WSGI server bound to HOST:PORT (Debian ships Keystone only as a
      WSGI app for uwsgi/apache).  Requests are accepted on threads but the
      app runs on one thread (sqlite).
"""
import importlib
import os
import runpy
import sys


def serve_wsgi(host, port, module, factory):
    import concurrent.futures
    import socketserver
    from wsgiref import simple_server

    class Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 128

    class Handler(simple_server.WSGIRequestHandler):

        def log_message(self, fmt, *args):  # one line per request
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    inner = getattr(importlib.import_module(module), factory)()
    # Every application call runs on ONE dedicated thread: Keystone + sqlite on
    # a thread-per-request server gives "database is locked" 500s.
    worker = concurrent.futures.ThreadPoolExecutor(max_workers=1)

    def run(environ, start_response):
        it = inner(environ, start_response)
        try:
            return list(it)
        finally:
            if hasattr(it, "close"):
                it.close()  # flask teardown

    def app(environ, start_response):
        return worker.submit(run, environ, start_response).result()

    httpd = simple_server.make_server(host, int(port), app, server_class=Server,
                                      handler_class=Handler)
    sys.stderr.write(f"serving {module}:{factory} on http://{host}:{port}\n")
    sys.stderr.flush()
    httpd.serve_forever()


def main():
    pidfile, logfile, target = sys.argv[1:4]
    args = sys.argv[4:]
    try:
        os.setsid()
    except OSError:
        pass  # already a session/group leader
    fd = os.open(logfile, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    tmp = pidfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(tmp, pidfile)  # never seen half-written
    sys.argv = [target] + args
    if target.startswith("wsgi:"):
        _, host, port, module, factory = target.split(":")
        serve_wsgi(host, port, module, factory)
    elif ":" in target:
        module, func = target.split(":")
        sys.exit(getattr(importlib.import_module(module), func)())
    else:
        runpy.run_module(target, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
