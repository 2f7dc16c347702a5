# Loaded by moto_server through PYTHONPATH (EmbeddedBackend puts this file's directory first): serializes the
# requests moto handles. moto_server serves each request on its own thread, but moto's DynamoDB checks a put's
# condition and stores the item without a lock, so two concurrent conditional puts of one key can both succeed,
# which DynamoDB never allows. One lock around the whole WSGI application makes every request atomic, as each
# DynamoDB request is; connections are still accepted and read concurrently.
import sys
import threading

try:
    from moto.moto_server import werkzeug_app as _app
except Exception as error:  # not moto's interpreter: change nothing, say why
    sys.stderr.write("relay sitecustomize: moto not importable, requests not serialized: %r\n" % (error,))
else:
    _lock = threading.Lock()
    _call = _app.DomainDispatcherApplication.__call__

    def _serialized(self, environ, start_response):
        with _lock:
            # Materialize the body inside the lock: moto builds whole responses, so this copies, never streams.
            return list(_call(self, environ, start_response))

    _app.DomainDispatcherApplication.__call__ = _serialized
    sys.stderr.write("relay sitecustomize: moto requests serialized\n")
