"""What other local users and other machines can see of the running servers: not the API token in
any command line, and no action server on an outside address."""

from pathlib import Path

import pytest

from serving import rasa_server


def _command_lines():
    """Every process's command line that this user may read (as `ps aux` shows them)."""
    lines = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                lines[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
    return lines


def _listening_addresses(port):
    """Local addresses (hex, as /proc/net shows them) with a socket listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


def _servers(bot):
    if not hasattr(bot, "processes"):
        pytest.skip("servers started elsewhere (RASA_URL): their processes are not ours to inspect")
    return bot


def test_the_api_token_is_in_no_command_line(bot):
    servers = _servers(bot)
    assert servers.token
    assert servers.processes["rasa"].poll() is None
    leaking = [pid for pid, line in _command_lines().items() if servers.token in line]
    assert leaking == []


def test_the_action_server_listens_on_the_loopback_address_only(bot):
    servers = _servers(bot)
    addresses = _listening_addresses(servers.action_port)
    assert addresses == {"0100007F"}, addresses  # 127.0.0.1, not 0.0.0.0 or ::


def test_a_token_on_the_command_line_is_refused():
    with pytest.raises(SystemExit):
        rasa_server.arguments(["run", "--enable-api", "--auth-token", "x"], "x")
    with pytest.raises(SystemExit):
        rasa_server.arguments(["run", "--enable-api"], None)
    assert rasa_server.arguments(["run", "--enable-api"], "t") == ["run", "--enable-api", "--auth-token=t"]


@pytest.mark.parametrize("token", ["-d1x_token", "--looks-like-an-option", "plain_token"])
def test_rasa_reads_any_generated_token_as_the_token(token):
    # Tokens are secrets.token_urlsafe: one in 64 starts with "-".
    from rasa.__main__ import create_argument_parser

    parsed = create_argument_parser().parse_args(rasa_server.arguments(["run", "--enable-api"], token))
    assert parsed.auth_token == token
