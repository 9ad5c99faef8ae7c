"""The sending side of node-to-node requests (issue H): sign a request with this node's key,
send it to a peer with timeouts, and accept the answer only if the peer signed it.

HTTP goes through httpx2 (pinned); the environment's proxy settings (`HTTPS_PROXY`, `NO_PROXY`)
apply, TLS certificates are checked against the system's trusted CAs, redirects are not followed
(a redirect would change the signed path)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any, NamedTuple

import httpx2

from chengxin.clock import Clock
from chengxin.errors import ChengxinError, InvalidInput
from chengxin.exchange import signing
from chengxin.exchange.models import PeerNode
from chengxin.exchange.node_rules import parse_public_key
from chengxin.keys import KeyRing
from chengxin.runtime import Runtime

TIMEOUT_SECONDS = 30.0
CONNECT_SECONDS = 5.0
MAX_ANSWER_BYTES = 16 * 1024 * 1024


class PeerError(ChengxinError):
    """A peer that cannot be reached, answers too slowly, or answers without a valid signature."""

    status = 502
    title = "Peer node failed"
    type_slug = "peer-node"


class PeerAnswer(NamedTuple):
    """A peer's signed answer: status and body (`(status, body)` as a tuple)."""

    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def new_nonce() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits, 32 characters


class NodeClient:
    """Requests from this node (`code`, the key ring's Ed25519 key) to its peers. `http` may be
    any httpx2 client (the tests pass the app's TestClient); by default one of our own."""

    def __init__(
        self,
        *,
        code: str,
        keys: KeyRing,
        clock: Clock,
        http: httpx2.Client | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.code, self.keys, self.clock = code, keys, clock
        self.timeout = httpx2.Timeout(timeout, connect=min(CONNECT_SECONDS, timeout))
        self._own_http = http is None
        self.http = http if http is not None else httpx2.Client(follow_redirects=False)

    @classmethod
    def of(cls, runtime: Runtime, **kw: Any) -> NodeClient:
        return cls(
            code=runtime.settings.resolved_node_code, keys=runtime.keys, clock=runtime.clock, **kw
        )

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> NodeClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def url(self, peer: PeerNode, path: str) -> httpx2.URL:
        if not path.startswith("/") or path.startswith("//"):
            raise InvalidInput("must be a path starting with one /", field="path", rule="path")
        return httpx2.URL(peer.base_url + path)

    def signed_headers(
        self,
        peer: PeerNode,
        method: str,
        url: httpx2.URL,
        body: bytes,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """The signature headers (plus `extra`, signed too when they are X-Chengxin-*) of one
        request to `peer`; each call has a new nonce."""
        headers = dict(extra or {})
        headers.update(
            {
                signing.NODE: self.code,
                signing.DATE: signing.format_date(self.clock()),
                signing.NONCE: new_nonce(),
            }
        )
        signed = {k: v for k, v in headers.items() if k.lower().startswith(signing.PREFIX)}
        message = signing.request_message(
            method=method,
            target=url.raw_path.decode("ascii"),
            body=body,
            signed=signed,
            receiver=peer.code,
        )
        headers[signing.SIGNATURE] = signing.sign(self.keys.signing_key, message)
        return headers

    def send(
        self,
        peer: PeerNode,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> PeerAnswer:
        """One signed request to `peer`; its answer, whatever the status, once its signature
        checks out. Raises PeerError for no answer, a late one, a too large or unsigned one."""
        if peer.disabled_at is not None:
            raise InvalidInput(f"peer {peer.code} is disabled", field="peer", rule="peer-enabled")
        url = self.url(peer, path)
        sent = self.signed_headers(peer, method.upper(), url, body, headers)
        request = self.http.build_request(
            method.upper(), url, content=body, headers=sent, timeout=self.timeout
        )
        try:
            response = self.http.send(request, stream=True, follow_redirects=False)
            try:
                answer = _read_capped(response)
            finally:
                response.close()
        except httpx2.TimeoutException:
            raise PeerError(
                f"{peer.code} did not answer within {self.timeout.read:.0f} s",
                field="peer",
                rule="timeout",
            ) from None
        except httpx2.HTTPError as exc:
            raise PeerError(
                f"{peer.code} at {peer.base_url} cannot be reached ({type(exc).__name__})",
                field="peer",
                rule="reachable",
            ) from None
        self._check_answer(peer, response, answer, sent[signing.NONCE])
        return PeerAnswer(response.status_code, answer)

    def _check_answer(
        self, peer: PeerNode, response: httpx2.Response, body: bytes, nonce: str
    ) -> None:
        given = response.headers.get_list(signing.SIGNATURE)
        if len(given) != 1:
            raise PeerError(
                f"the answer of {peer.code} (status {response.status_code}) is not signed",
                field=signing.SIGNATURE,
                rule="signed-answer",
            )
        signature = signing.decode_signature(given[0])
        message = signing.response_message(
            status=response.status_code,
            nonce=nonce,
            body=body,
            responder=peer.code,
            requester=self.code,
        )
        if signature is None or not signing.verifies(
            parse_public_key(peer.public_key), message, signature
        ):
            raise PeerError(
                f"the answer's signature does not verify with the key of {peer.code}",
                field=signing.SIGNATURE,
                rule="answer-signature",
            )


def _read_capped(response: httpx2.Response) -> bytes:
    chunks: list[bytes] = []
    seen = 0
    for chunk in response.iter_bytes():
        seen += len(chunk)
        if seen > MAX_ANSWER_BYTES:
            raise PeerError(
                f"the answer is larger than {MAX_ANSWER_BYTES} bytes",
                field="answer",
                rule="max-bytes",
            )
        chunks.append(chunk)
    return b"".join(chunks)
