"""Environments from schemasync.yaml: where each org is, which variable holds its key, defaults."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from schemasync.errors import ConfigError

CONFIG_FILE = "schemasync.yaml"
DEFAULT_API_URL = "https://api.close.com/api/v1"
ENV_KEYS = {
    "api_url",
    "api_key_env",
    "prune",
    "allow_replace",
    "protect",
    "ignore",
    "description",
}
# Keys that would hold a secret: refused outright, so nobody commits one by mistake.
SECRET_KEYS = {"api_key", "key", "token", "bearer_token", "oauth_token", "secret", "password"}

_VARIABLE = re.compile(r"[A-Z_][A-Z0-9_]*")
# Close's API keys are far longer. A key of a few characters is a mistake, and since every
# message hides the key, a short one would turn them into `***` soup.
MIN_KEY_LENGTH = 8

EXAMPLE = """\
version: 1
environments:
  staging:
    api_url: https://api.close.com/api/v1
    api_key_env: STAGING_CLOSE_API_KEY
  production:
    api_url: https://api.close.com/api/v1
    api_key_env: PRODUCTION_CLOSE_API_KEY
    protect: [Account, Account.Status]
"""


@dataclass(frozen=True)
class Environment:
    name: str
    api_url: str = DEFAULT_API_URL
    api_key_env: str = "CLOSE_API_KEY"
    prune: bool = False
    allow_replace: bool = False
    protect: tuple[str, ...] = ()
    # Live objects never listed, touched or failed on here (addresses or ids).
    ignore: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class Config:
    path: str
    environments: dict[str, Environment] = field(default_factory=dict)

    def environment(self, name: str) -> Environment:
        if name not in self.environments:
            known = ", ".join(sorted(self.environments)) or "none"
            raise ConfigError(f"{self.path}: no environment named {name!r} (environments: {known})")
        return self.environments[name]


def _fail(path: str, where: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {where}: {message}" if where else f"{path}: {message}")


def _bool(path: str, where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, where, "expected true or false")
    return value


def _env(path: str, name: str, data: Any) -> Environment:
    where = f"environments.{name}"
    if not isinstance(data, dict):
        raise _fail(path, where, "expected a mapping of settings")
    secrets = sorted(k for k in data if str(k).lower() in SECRET_KEYS)
    if secrets:
        raise _fail(
            path,
            f"{where}.{secrets[0]}",
            "API keys never live in the config file (it is committed to git): put the "
            "key in an environment variable and name that variable with api_key_env",
        )
    unknown = sorted(str(k) for k in data if k not in ENV_KEYS)
    if unknown:
        raise _fail(
            path,
            f"{where}.{unknown[0]}",
            f"unknown setting (allowed: {', '.join(sorted(ENV_KEYS))})",
        )
    for key in ("api_url", "api_key_env", "description"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            raise _fail(path, f"{where}.{key}", "expected a non-empty string")
    protect = data.get("protect", [])
    if not (isinstance(protect, list) and all(isinstance(p, str) and p for p in protect)):
        raise _fail(path, f"{where}.protect", "expected a list of `Type` or `Type.Field` names")
    ignore = data.get("ignore", [])
    if not (isinstance(ignore, list) and all(isinstance(p, str) and p for p in ignore)):
        raise _fail(path, f"{where}.ignore", "expected a list of addresses or ids")
    api_key_env = data.get("api_key_env", "CLOSE_API_KEY")
    if not _VARIABLE.fullmatch(api_key_env):
        # Never echo the value: a key pasted here by mistake must not reach a CI log.
        raise _fail(
            path,
            f"{where}.api_key_env",
            "expected the NAME of an environment variable in capitals (like "
            "PROD_CLOSE_API_KEY), not a key; the value is not shown",
        )
    return Environment(
        name=name,
        api_url=data.get("api_url", DEFAULT_API_URL).rstrip("/"),
        api_key_env=api_key_env,
        prune=_bool(path, f"{where}.prune", data.get("prune", False)),
        allow_replace=_bool(path, f"{where}.allow_replace", data.get("allow_replace", False)),
        protect=tuple(protect),
        ignore=tuple(ignore),
        description=data.get("description"),
    )


def parse_config(text: str, path: str) -> Config:
    # The manifests' reader: YAML 1.2 values, and a duplicate key is an error with its place.
    from schemasync.yamlpos import parse_yaml, to_plain

    root, problems = parse_yaml(text, path)
    if problems:
        raise ConfigError("\n".join(str(p) for p in sorted(problems)))
    data = to_plain(root) if root is not None else None
    if not isinstance(data, dict):
        raise _fail(path, "", f"expected a mapping with `environments:`; for example:\n{EXAMPLE}")
    unknown = sorted(str(k) for k in data if k not in ("version", "environments"))
    if unknown:
        raise _fail(path, unknown[0], "unknown key (allowed: version, environments)")
    if data.get("version", 1) != 1:
        raise _fail(path, "version", "only version 1 is supported")
    envs = data.get("environments") or {}
    if not isinstance(envs, dict):
        raise _fail(path, "environments", "expected a mapping of environment names")
    return Config(path, {str(n): _env(path, str(n), d) for n, d in envs.items()})


def load_config(path: str | None) -> Config | None:
    """The config at `path`, or ./schemasync.yaml when it exists, or None."""
    explicit = path is not None
    path = path or CONFIG_FILE
    if not explicit and not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as e:
        raise ConfigError(f"cannot read config {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file") from None
    return parse_config(text, path)


@dataclass(frozen=True)
class Target:
    """Where a command talks to, resolved from flags, the environment and the config."""

    api_url: str
    api_key: str | None
    env: Environment | None = None
    # Where the key and the URL came from, as a user would name it: for hints on failures.
    key_source: str = "CLOSE_API_KEY"
    url_source: str = "CLOSE_API_URL or --api-url"

    @property
    def label(self) -> str:
        return f"environment {self.env.name!r} ({self.api_url})" if self.env else self.api_url

    @property
    def prune(self) -> bool:
        return bool(self.env and self.env.prune)

    @property
    def allow_replace(self) -> bool:
        return bool(self.env and self.env.allow_replace)

    @property
    def protect(self) -> tuple[str, ...]:
        return self.env.protect if self.env else ()

    @property
    def ignore(self) -> tuple[str, ...]:
        return self.env.ignore if self.env else ()


def resolve_target(
    *,
    env_name: str | None,
    config: Config | None,
    flag_url: str | None,
    flag_key: str | None,
    environ: dict[str, str] | os._Environ[str] = os.environ,
) -> Target:
    """Flags win; then the selected environment; then CLOSE_API_URL / CLOSE_API_KEY.

    With an environment selected, CLOSE_API_URL is ignored: a URL left in the shell from
    another session must never redirect `--env production`.
    """
    if env_name:
        if config is None:
            raise ConfigError(
                f"--env {env_name}: no config file ({CONFIG_FILE} in this "
                "directory, or --config FILE)"
            )
        env = config.environment(env_name)
        key = flag_key or environ.get(env.api_key_env) or None
        if not key:
            raise ConfigError(
                f"environment {env.name!r} reads its API key from "
                f"${env.api_key_env}, which is not set"
            )
        url_source = (
            "--api-url" if flag_url else f"api_url of environment {env.name!r} in {config.path}"
        )
        return Target(
            check_api_url(flag_url or env.api_url, url_source),
            key,
            env,
            key_source="--api-key" if flag_key else env.api_key_env,
            url_source=url_source,
        )
    if flag_url:
        url, url_source = flag_url, "--api-url"
    elif environ.get("CLOSE_API_URL"):
        url, url_source = environ["CLOSE_API_URL"], "CLOSE_API_URL"
    else:
        url, url_source = DEFAULT_API_URL, "CLOSE_API_URL or --api-url"
    return Target(
        check_api_url(url, url_source),
        flag_key or environ.get("CLOSE_API_KEY") or None,
        key_source="--api-key" if flag_key else "CLOSE_API_KEY",
        url_source=url_source,
    )


def check_api_url(url: str, source: str) -> str:
    """The URL without a trailing slash, or a ConfigError saying what to fix in `source`."""
    from urllib.parse import urlsplit

    def bad(why: str) -> ConfigError:
        return ConfigError(f"{source}: {why}; expected an API URL like {DEFAULT_API_URL}")

    if "@" in url.strip().split("://", 1)[-1].split("/", 1)[0]:
        # Never echo such a URL: what stands before the @ may well be the key.
        raise ConfigError(
            f"{source}: the URL holds a user name or password (before the @): keep the API "
            "key in CLOSE_API_KEY (or the variable an environment's api_key_env names), not "
            "in the URL; the URL is not shown"
        )
    if url != url.strip():
        raise bad(f"spaces or a line break around the URL ({url!r}): remove them")
    if any(c.isspace() for c in url):
        raise bad(f"the URL contains spaces ({url!r}): remove them")
    if not url.isprintable():
        raise bad(f"the URL contains a control character ({url!r})")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as e:
        raise bad(f"{url!r} is not a valid URL ({e})") from None
    if parts.scheme not in ("http", "https"):
        if "://" not in url:
            raise bad(f"{url!r} has no scheme: start it with https://")
        raise bad(f"the scheme must be https (or http for a local emulator), not {parts.scheme!r}")
    if not parts.hostname:
        raise bad(f"{url!r} names no host")
    return url.rstrip("/")


def check_api_key(key: str, source: str) -> str:
    """The key as it will be sent (surrounding spaces removed), or a ConfigError that names
    `source` (a variable or --api-key) and never shows the value."""
    stripped = key.strip()
    where = "given with --api-key" if source == "--api-key" else f"in {source}"
    if not stripped:
        raise ConfigError(f"the API key {where} is empty or only spaces: set it to a Close API key")
    if len(stripped) < MIN_KEY_LENGTH:
        raise ConfigError(
            f"the API key {where} is too short ({len(stripped)} characters; Close API keys are "
            f"much longer, and schemasync needs at least {MIN_KEY_LENGTH}): check {source} "
            "(its value is not shown)"
        )
    return stripped
