"""`virttui web config --server nginx|apache [--port PORT]`: the web server's own blocks for
the domains of ROOT/conf.www, one per address, printed for /etc/nginx/conf.d/ or Apache's
sites-available/.

Exit status: 0 printed; 1 conf.www is missing or unreadable, has an error, or names a
directory no configuration can hold (nothing printed then); 2 usage or a settings error.
"""

import sys

from virttui.names import quoted
from virttui.services.catalog import load_services
from virttui.services.web import SERVERS, WebConfigError, web_config

DEFAULT_PORT = 80


def register(subparsers) -> None:
    parser = subparsers.add_parser("web", help="the web server's blocks for the domains of conf.www")
    actions = parser.add_subparsers(dest="web_action", metavar="ACTION", required=True)
    config = actions.add_parser("config", help="print nginx server blocks or Apache virtual hosts")
    config.add_argument("--server", choices=SERVERS, required=True, help="the host's web server")
    config.add_argument("--port", type=_port, help="the port on every address (default: the catalog's "
                        f"www port, else {DEFAULT_PORT})")
    config.set_defaults(run=run_config)


def run_config(args, settings) -> int:
    www = load_services(settings.services).get("www")
    port = args.port or (www.ports[0] if www else DEFAULT_PORT)
    conf = settings.root / "conf.www"
    try:
        text = web_config(args.server, conf, port)
    except WebConfigError as error:
        print(f"virttui web config: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


def _port(text: str) -> int:
    import argparse
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a TCP port (1-65535)")
    return int(text)
