"""RQ worker for the yield_api batch queue, writing a heartbeat file while it lives."""

import logging
import sys
from pathlib import Path

from config import Settings
from heartbeat import HeartbeatThread
from rq import Worker

from annadata_common.jobs import QUEUE_NAME, SERIALIZER, job_class, job_queue, redis_connection
from annadata_common.logging import configure_logging

logger = logging.getLogger("worker")


def main() -> int:
    """Run until stopped (SIGTERM/SIGINT are handled by RQ as warm shutdown)."""
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level)
    if not settings.redis_url:
        logger.error("REDIS_URL is not set; the worker needs the queue yield_api uses")
        return 2
    connection = redis_connection(settings)
    heartbeat = HeartbeatThread(Path(settings.heartbeat_path), settings.heartbeat_interval_s)
    heartbeat.start()
    logger.info(
        "worker starting",
        extra={
            "queue": QUEUE_NAME,
            "models_dir": settings.models_dir,
            "heartbeat_path": settings.heartbeat_path,
        },
    )
    try:
        # JSON jobs only, and only the allowed functions (annadata_common.jobs).
        Worker(
            [job_queue(connection)],
            connection=connection,
            serializer=SERIALIZER,
            job_class=job_class(),
        ).work()
    finally:
        heartbeat.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
