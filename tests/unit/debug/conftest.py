from tests.support.debug_logs import handwritten_logs, real_logs, untouched_logs

__all__ = ["handwritten_logs", "real_logs", "untouched_logs"]
