"""OTLP HTTP/protobuf receiver for tests/tests/metrics_otlp.rs.

Listens on 127.0.0.1:<port> with oteltap and prints every received metric
as one line of JSON (the protobuf JSON mapping), after a first line READY.
"""

import asyncio
import json
import sys

from google.protobuf.json_format import MessageToDict
from oteltap import OtelTapHttpProtobufReceiver, OtelTapHttpProtobufReceiverSettings


async def main(port: int) -> None:
    settings = OtelTapHttpProtobufReceiverSettings(http_port=port)
    async with OtelTapHttpProtobufReceiver(settings) as receiver:
        metrics = receiver.stream_metrics()
        # Subscribe before announcing readiness, so nothing sent after READY is missed.
        first = asyncio.ensure_future(metrics.__anext__())
        await asyncio.sleep(0)
        print("READY", flush=True)
        metric = await first
        while True:
            print(json.dumps(MessageToDict(metric)), flush=True)
            metric = await metrics.__anext__()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
