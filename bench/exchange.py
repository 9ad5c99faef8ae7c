"""Exchange packages (R-5.1): messages packed and unpacked per second — canonical JSON, schema
validation, gzip and the Ed25519 signature — for full packages of correction messages.

Run: .venv/bin/python -m bench.exchange [--messages 10000]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt

from tests.exchange.examples import EXAMPLES, message_id

from bench.common import machine, rate
from chengxin.exchange.packages import Limits, pack, unpack
from chengxin.keys import new_key_ring

NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    count = parser.parse_args().messages
    keys = new_key_ring(NOW)
    template = EXAMPLES["correction"]
    messages = [dataclasses.replace(template, id=message_id(n)) for n in range(count)]
    limits = Limits(max_messages=count)
    print(machine())  # noqa: T201
    data = b""

    def packed() -> None:
        nonlocal data
        data = pack(messages, sender="CN-330000", receiver="CN-NATIONAL", sequence=1,
                    created_at=NOW, signer=keys, limits=limits)  # fmt: skip

    rate(f"pack ({count:,} corrections)", count, packed)
    print(f"package size: {len(data):,} bytes gzipped")  # noqa: T201
    rate(f"unpack and verify ({count:,} corrections)", count,
         lambda: unpack(data, sender="CN-330000", sender_key=keys.public_key_raw,
                        receiver="CN-NATIONAL", limits=limits))  # fmt: skip


if __name__ == "__main__":
    main()
