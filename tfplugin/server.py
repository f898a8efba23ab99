"""The provider executable's main: go-plugin handshake, gRPC server, shutdown, --debug.

Start path (kept short on purpose: Terraform starts a provider ~3 times per plan):
check the magic cookie and protocol versions, bind a unix socket in a fresh 0700
folder, make a TLS certificate when Terraform asked for TLS, print the handshake
line. Everything else (logging, the HTTP/2 server, the provider's own modules)
loads after the line is out, while Terraform is dialing.

Attached ("warm") serving: a run that starts many terraform processes starts one server for
all of them, binds its listening socket itself and hands it over (TFPLUGIN_LISTEN_FD), with
the read end of a pipe it keeps open for its whole life (TFPLUGIN_LIFELINE_FD); terraform
reaches the server through TF_REATTACH_PROVIDERS. Each connection gets a provider instance
of its own. See docs/tfplugin.md, "Serving many terraform runs".
"""
from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from _socket import socket as Socket
    from collections.abc import Callable, Mapping
    from typing import NoReturn

    from ._h2 import Handlers, Server
    from ._messages import Message
    from ._rpc import ProviderService
    from ._tls import TlsContext
    from .provider import Provider

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
CORE_PROTOCOL_VERSION = 1
APP_PROTOCOL_VERSION = 6

NOT_A_COMMAND = (
    "This binary is a plugin for Terraform; it is not meant to be run directly.\n"
    "Terraform runs it when a configuration uses this provider (terraform init, plan, apply).\n"
    "To debug the provider, run it with --debug and follow the instructions it prints.\n"
)

MAX_MESSAGE_ENV = "TFPLUGIN_MAX_MESSAGE_MIB"
DEFAULT_MAX_MESSAGE_MIB = 256  # as terraform-plugin-go's servers

# Attached serving (see the module's doc): the inherited listening socket, the lifeline pipe's read end, and the
# pid of the parent whose death must end the server (set only when the kernel may be asked to signal it).
LISTEN_FD_ENV = "TFPLUGIN_LISTEN_FD"
LIFELINE_FD_ENV = "TFPLUGIN_LIFELINE_FD"
PARENT_PID_ENV = "TFPLUGIN_PARENT_PID"
ENV_FD_ENV = "TFPLUGIN_ENV_FD"  # the environment, handed over after the start (see _serve_attached)
READY_LINE = "ready"  # what an attached server prints on stdout once it serves

PROVIDER_SERVICE = "tfplugin6.Provider"
STREAM_PATHS = ("/plugin.GRPCStdio/StreamStdio", "/plugin.GRPCBroker/StartStream")


def _fail(msg: str, code: int = 1) -> NoReturn:
    sys.stderr.write(msg if msg.endswith("\n") else msg + "\n")
    sys.stderr.flush()
    os._exit(code)


def _make_socket_dir() -> str:
    base = os.environ.get("PLUGIN_UNIX_SOCKET_DIR") or os.environ.get("TMPDIR") or "/tmp"
    for _ in range(10):
        path = os.path.join(base, "tfplugin-" + os.urandom(6).hex())
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        os.chmod(path, 0o700)  # regardless of umask
        return path
    raise OSError("could not create a socket folder")


def _listen(folder: str) -> tuple[Socket, str]:
    """A listening unix socket in ``folder``: the C module's socket type when it serves (tfplugin._cmodules)."""
    from ._cmodules import sockets
    sockets_module = sockets()
    path = os.path.join(folder, "plugin.sock")
    s = sockets_module.socket(sockets_module.AF_UNIX, sockets_module.SOCK_STREAM)
    s.bind(path)
    s.listen(64)
    return s, path


def max_message_from_env(env: Mapping[str, str] = os.environ) -> int:
    """The largest request message accepted, in bytes: TFPLUGIN_MAX_MESSAGE_MIB, else 256 MiB."""
    raw = env.get(MAX_MESSAGE_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_MESSAGE_MIB << 20
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValueError(f"{MAX_MESSAGE_ENV} must be a whole number of MiB, 1 or more (got {raw!r}); "
                         f"unset it for the default of {DEFAULT_MAX_MESSAGE_MIB}")
    return int(raw) << 20


class _Runtime:
    """State of a running plugin process (used for cleanup from signal handlers)."""

    def __init__(self) -> None:
        self.folder: str | None = None
        self.sock_path: str | None = None
        self.server: Server | None = None
        self.debug = False
        self.exiting = False


_rt = _Runtime()


def _cleanup() -> None:
    if _rt.server is not None:
        try:
            _rt.server.stop()
        except Exception:  # noqa: BLE001
            pass
    for p in (_rt.sock_path,):
        if p:
            try:
                os.unlink(p)
            except OSError:
                pass
    if _rt.folder:
        try:
            os.rmdir(_rt.folder)
        except OSError:
            pass


def _exit(code: int = 0) -> None:
    if _rt.exiting:
        return
    _rt.exiting = True
    _cleanup()
    try:
        sys.stderr.flush()
        sys.stdout.flush()
    except Exception:  # noqa: BLE001
        pass
    os._exit(code)


def build_handlers(service: ProviderService, shutdown: Callable[[], None] | None = None,
                   log: logging.Logger | None = None) -> Handlers:
    """{gRPC path: fn(request bytes) -> response bytes} for the provider service and go-plugin's.

    Each request decodes on an allowance drawn from the process's pool (tfplugin._budget), given back when
    its response is built. Bytes that are not the message expected are INVALID_ARGUMENT; a request whose
    decoding would take the pool past its limit, RESOURCE_EXHAUSTED. Neither reaches the provider's code."""
    from . import _budget, _pb
    from ._h2 import INVALID_ARGUMENT, RESOURCE_EXHAUSTED, GrpcError
    from ._proto.wire import MESSAGES, METHODS

    handlers: Handlers = {}
    trace = log is not None and log.isEnabledFor(5)

    def unary(path: str, fn: Callable[[Message], Message], req_name: str, resp_name: str, rpc: str) -> None:
        has_diags = any(f[1] == "diagnostics" for f in MESSAGES[resp_name])

        def call(body: memoryview) -> Message:
            try:
                request = _pb.decode(req_name, body)
            except _pb.DecodeError as e:
                raise GrpcError(INVALID_ARGUMENT, f"{rpc}: the request is not a valid {req_name} message: {e}") \
                    from None
            except _budget.Exhausted as e:
                raise GrpcError(RESOURCE_EXHAUSTED, f"{rpc}: {e}") from None
            try:
                return fn(request)
            except Exception as e:  # noqa: BLE001 - e.g. the provider factory failed
                if not has_diags:
                    raise
                if log is not None:
                    log.debug("rpc %s failed", rpc, exc_info=True)
                return {"diagnostics": [{"severity": 1, "summary": f"{rpc} failed: {e or type(e).__name__}",
                                         "detail": "Run with TF_LOG_PROVIDER=debug to see the traceback."}]}

        if log is not None and log.isEnabledFor(10):
            import time

            def handler(body: memoryview) -> bytes:
                t0 = time.perf_counter()
                if trace:
                    log.log(5, "rpc %s started", rpc)
                with _budget.Allowance(pooled=True):
                    resp = _pb.encode(resp_name, call(body))
                log.debug("rpc %s done in %.1f ms", rpc, (time.perf_counter() - t0) * 1000)
                return resp
        else:
            def handler(body: memoryview) -> bytes:
                with _budget.Allowance(pooled=True):
                    return _pb.encode(resp_name, call(body))
        handlers[path] = handler

    for path, (req_name, resp_name, _cs, _ss) in METHODS.items():
        if path.startswith(f"/{PROVIDER_SERVICE}/"):
            rpc = path.rsplit("/", 1)[1]
            unary(path, getattr(service, rpc), req_name, resp_name, rpc)

    def shutdown_rpc(_req: Message) -> Message:
        if shutdown is not None:
            import threading
            threading.Timer(0.05, shutdown).start()  # after the answer is on the wire
        return {}

    unary("/plugin.GRPCController/Shutdown", shutdown_rpc, "plugin.Empty", "plugin.Empty", "Shutdown")
    unary("/grpc.health.v1.Health/Check", lambda _r: {"status": 1},
          "grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse", "HealthCheck")
    return handlers


def start_server(service: ProviderService, listener: Socket, *, tls_context: TlsContext | None = None,
                 shutdown: Callable[[], None] | None = None, on_idle: Callable[[], None] | None = None,
                 log: logging.Logger | None = None, max_message: int = DEFAULT_MAX_MESSAGE_MIB << 20,
                 new_service: Callable[[], ProviderService] | None = None,
                 accept_peer: Callable[[Socket], bool] | None = None) -> Server:
    """Start serving on ``listener`` (a bound, listening socket) in background threads.

    ``service`` answers the first connection. With ``new_service`` (a function returning a ProviderService),
    each later connection gets a service, so a provider instance, of its own; without it they share ``service``."""
    from . import _h2
    from ._proto.wire import METHODS

    handlers: Handlers | Callable[[], tuple[Handlers, Callable[[], None]]]
    if new_service is None:
        handlers = build_handlers(service, shutdown, log)
    else:
        spare = [service]
        make_service = new_service

        def per_connection() -> tuple[Handlers, Callable[[], None]]:  # run by the accept thread alone
            taken = spare.pop() if spare else make_service()
            return build_handlers(taken, shutdown, log), taken.close

        handlers = per_connection

    server = _h2.Server(listener, handlers, METHODS, STREAM_PATHS,
                        tls_context=tls_context, log=log, on_idle=on_idle, max_message=max_message,
                        max_message_hint=f"To raise it, set {MAX_MESSAGE_ENV} (in MiB) in the environment "
                                         "Terraform runs in.", accept_peer=accept_peer)
    server.start()
    return server


def _level_from_env() -> str:
    raw = (os.environ.get("TF_LOG_PROVIDER") or os.environ.get("TF_LOG") or "").strip().upper()
    return "" if raw == "OFF" else raw


def _setup_logging(debug: bool, attached: bool = False) -> logging.Logger | None:
    """Install the hclog handler and return the "tfplugin" logger; None when logging is off.

    With TF_LOG/TF_LOG_PROVIDER unset Terraform discards provider logs, so we do not even
    import ``logging`` (~15 ms per start). Records of libraries that log anyway then go to
    Python's last-resort handler, i.e. stderr, which Terraform also discards.

    An attached server's stderr is not read by Terraform (it did not start the process): its lines
    go, in Terraform's own text form, to TF_LOG_PATH when set (appended, beside Terraform's), else
    to the stderr the run gave it.
    """
    if not _level_from_env() and not debug:
        return None
    from . import _log
    level = _log.level_from_env()
    if debug and level == _log.OFF:  # a developer at a terminal: readable INFO lines by default
        _log.install(level=20, human=True)
    elif attached:
        _log.install(level=level, text=True, path=os.environ.get("TF_LOG_PATH") or None)
    else:
        _log.install(level=level)
    import logging
    return logging.getLogger("tfplugin")


def serve(provider_factory: Callable[[], Provider], *, name: str = "provider", address: str | None = None) -> None:
    argv = sys.argv[1:]
    if os.environ.get(LISTEN_FD_ENV):
        _serve_attached(provider_factory, name)
    debug = "--debug" in argv or os.environ.get("TFPLUGIN_DEBUG") == "1"
    _rt.debug = debug
    env = os.environ
    if not debug:
        if env.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
            _fail(NOT_A_COMMAND)
        offered = [v.strip() for v in env.get("PLUGIN_PROTOCOL_VERSIONS", "").split(",") if v.strip()]
        if offered and str(APP_PROTOCOL_VERSION) not in offered:
            _fail(f"This provider speaks Terraform plugin protocol {APP_PROTOCOL_VERSION}, but Terraform offered "
                  f"{', '.join(offered)}. Use Terraform 1.0 or later.")

    client_cert = None if debug else env.get("PLUGIN_CLIENT_CERT")
    cert = None
    try:
        from . import _cmodules
        _cmodules.check_setting()
        max_message = max_message_from_env(env)
        folder = _make_socket_dir()
        _rt.folder = folder
        listener, sock_path = _listen(folder)
        _rt.sock_path = sock_path
        if client_cert:
            from . import _tls
            cert = _tls.make_certificate()
    except Exception as e:  # noqa: BLE001 - e.g. no writable temp folder: a clean message
        _cleanup()
        _fail(f"{name} provider: failed to start: {type(e).__name__}: {e}")

    signal = _cmodules.signals()
    signal.signal(signal.SIGTERM, lambda *_: _exit(0))
    if debug:
        signal.signal(signal.SIGINT, lambda *_: _exit(0))
    else:
        # As go-plugin does: Ctrl-C reaches the whole process group, and Terraform itself
        # decides how to stop (StopProvider, then GRPCController.Shutdown). Do not die early.
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    if not debug:
        cert_field = ""
        if cert is not None:
            from ._tls import b64_nopad
            cert_field = b64_nopad(cert[0])
        sys.stdout.write(f"{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|unix|{sock_path}|grpc|{cert_field}\n")
        sys.stdout.flush()

    # ---- after the handshake line: everything else
    try:
        _serve_after_handshake(provider_factory, name, address, debug, folder, listener, sock_path, cert, client_cert,
                               max_message)
    except Exception as e:  # noqa: BLE001 - a clean message, not a traceback, then a clean exit
        sys.stderr.write(f"{name} provider: failed to start: {type(e).__name__}: {e}\n")
        _exit(1)


def _serve_after_handshake(provider_factory: Callable[[], Provider], name: str, address: str | None, debug: bool,
                           folder: str, listener: Socket, sock_path: str, cert: tuple[bytes, bytes, bytes] | None,
                           client_cert: str | None, max_message: int) -> None:
    env = os.environ
    from ._scrub import ScrubbedStream

    sys.stderr = ScrubbedStream(sys.stderr)  # a traceback or warning printed by any thread passes the scrubber too
    log = _setup_logging(debug)
    from ._rpc import ProviderService

    tls_context = None
    if cert is not None:  # after the handshake line: OpenSSL loads while Terraform dials
        from . import _tls
        tls_context = _tls.server_context(cert[2], cert[1], folder, client_cert)

    service = ProviderService(provider_factory, name)
    server = start_server(service, listener, tls_context=tls_context,
                          shutdown=None if debug else (lambda: _exit(0)),
                          on_idle=None if debug else (lambda: _exit(0)), log=log, max_message=max_message,
                          new_service=lambda: ProviderService(provider_factory, name))
    _rt.server = server
    if log is not None:
        log.debug("%s provider listening on %s (tls=%s)", name, sock_path, tls_context is not None)

    if debug:
        import json
        addr = address or env.get("TF_PROVIDER_ADDRESS") or f"registry.terraform.io/hashicorp/{name}"
        reattach = {addr: {"Protocol": "grpc", "ProtocolVersion": APP_PROTOCOL_VERSION, "Pid": os.getpid(),
                           "Test": True, "Addr": {"Network": "unix", "String": sock_path}}}
        sys.stdout.write(
            f"Provider {name} started in debug mode. To attach Terraform, set this in the shell where you "
            f"run terraform:\n\n\tTF_REATTACH_PROVIDERS='{json.dumps(reattach)}'\n\n"
            "Press Ctrl-C to stop the provider.\n")
        sys.stdout.flush()

    try:
        _ = service.provider  # build the provider (imports its modules) while Terraform connects
    except Exception:  # noqa: BLE001 - reported again, as a diagnostic, by the first RPC
        if log is not None:
            log.debug("provider factory failed", exc_info=True)

    import threading
    forever = threading.Event()
    parent = os.getppid()
    while not forever.wait(1.0):
        if not debug and os.getppid() != parent:  # Terraform went away without telling us
            _exit(0)


# ---------------------------------------------------------------------------- attached ("warm") serving


def _serve_attached(provider_factory: Callable[[], Provider], name: str) -> None:
    """Serve every terraform of one run on the listening socket the run handed over, until the run ends.

    The run (codat-iac, a bin/ wrapper) bound the socket in a 0700 folder it made (socket 0600), so Terraform
    can connect before this process is ready: its requests wait in the backlog while Python loads. There is no
    TLS (TF_REATTACH_PROVIDERS has no place for a certificate): the folder's mode, and a peer check that
    refuses any process of another user, are the guard.

    With TFPLUGIN_ENV_FD the run starts this process before it knows the environment its terraform will get
    (a wrapper still working it out): the provider is built first (the factory must not read the
    environment), then that environment, a JSON object, is read from the fd and becomes os.environ, whole,
    before anything reads a setting (logging, limits, the provider's configure).

    The process ends, removing the socket and its folder, when the lifeline pipe's other end closes (the run
    ended, however it ended), on SIGTERM, or when the kernel reports the parent's death (PR_SET_PDEATHSIG,
    Linux); never on idle or GRPCController.Shutdown, as terraform runs come and go. Never returns."""
    env = os.environ
    try:
        listener_fd = int(env.pop(LISTEN_FD_ENV))
        lifeline_fd = int(env.pop(LIFELINE_FD_ENV, "-1"))
        environment_fd = int(env.pop(ENV_FD_ENV, "-1"))
        parent = env.pop(PARENT_PID_ENV, "")
        import socket
        listener = socket.socket(fileno=listener_fd)
        _rt.sock_path = listener.getsockname()
        _rt.folder = os.path.dirname(_rt.sock_path)
    except Exception as e:  # noqa: BLE001 - a clean message, not a traceback
        _fail(f"{name} provider: failed to start attached: {type(e).__name__}: {e}")

    import signal
    signal.signal(signal.SIGTERM, lambda *_: _exit(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: Terraform sends StopProvider on its connection
    import threading
    threading.Thread(target=_watch_run, args=(lifeline_fd, int(parent) if parent.isdigit() else None),
                     name="lifeline", daemon=True).start()
    log = None
    try:
        from ._rpc import ProviderService
        from ._scrub import ScrubbedStream

        sys.stderr = ScrubbedStream(sys.stderr)
        service = ProviderService(provider_factory, name)
        provider = service.provider  # the provider's modules, loaded while Terraform reads its configuration
        if environment_fd >= 0:
            _take_environment(environment_fd)
        max_message = max_message_from_env(os.environ)
        log = _setup_logging(False, attached=True)
        _rt.server = start_server(service, listener, shutdown=None, on_idle=None, log=log, max_message=max_message,
                                  new_service=lambda: ProviderService(provider_factory, name),
                                  accept_peer=_same_user)
        if log is not None:
            log.debug("%s provider serving attached on %s (pid %d)", name, _rt.sock_path, os.getpid())
    except Exception as e:  # noqa: BLE001
        sys.stderr.write(f"{name} provider: failed to start attached: {type(e).__name__}: {e}\n")
        _exit(1)
    _say_ready()
    try:
        provider.preload()
    except Exception:  # noqa: BLE001 - configure() imports what it needs itself, and reports a failure
        if log is not None:
            log.debug("preload failed", exc_info=True)
    threading.Event().wait()


def _take_environment(fd: int) -> None:
    """os.environ becomes the JSON object the run writes to ``fd`` (then closes); no object (the run ended
    first): the process ends."""
    import json
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    if not chunks:
        _exit(0)
    given = json.loads(b"".join(chunks))
    if not isinstance(given, dict):
        raise ValueError("the environment handed over is not a JSON object")
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in given.items()})


def _say_ready() -> None:
    """One line on stdout for a starter that waits for it; then stdout goes nowhere (the starter may close its
    end, and nothing else is ever printed there)."""
    try:
        sys.stdout.write(READY_LINE + "\n")
        sys.stdout.flush()
    except OSError:
        pass
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _watch_run(lifeline_fd: int, parent: int | None) -> None:
    """End the server when its run ends: the lifeline's last writer closed it (the kernel closes it for a
    process that dies, even by SIGKILL), or the parent died (the kernel's parent-death signal, SIGTERM)."""
    if parent is not None and _ask_parent_death_signal() and os.getppid() != parent:
        _exit(0)  # the parent died before the request took effect
    if lifeline_fd < 0:
        return
    while True:
        try:
            if not os.read(lifeline_fd, 64):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    _exit(0)


def _ask_parent_death_signal() -> bool:
    """prctl(PR_SET_PDEATHSIG, SIGTERM) where the C library has it (Linux); False elsewhere."""
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL(None, use_errno=True)
        result: int = libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
        return result == 0
    except (OSError, AttributeError):
        return False


def _same_user(sock: Socket) -> bool:
    """Whether the peer of a unix socket runs as this process's user (Linux SO_PEERCRED). Elsewhere the
    socket's folder (0700) and mode (0600) are the only guard."""
    import socket
    import struct
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True
    try:
        _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    except OSError:
        return False
    return bool(uid == os.getuid())
