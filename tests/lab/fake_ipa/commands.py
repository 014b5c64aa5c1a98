"""Command execution as ironic-python-agent 9.4 does it (extensions/base.py).

One command at a time: a new command while the last one is RUNNING is refused with AgentIsBusy
(HTTP 409), whatever its kind. Synchronous commands finish inside the request; asynchronous ones
run on a thread and end SUCCEEDED, FAILED or CLEAN_VERSION_MISMATCH, then force a heartbeat.
Results keep IPA's fields (id, command_name, command_status, command_error, command_result).
"""
import collections
import logging
import threading
import uuid

from fake_ipa import errors

LOG = logging.getLogger('fake_ipa')

RUNNING = 'RUNNING'
SUCCEEDED = 'SUCCEEDED'
FAILED = 'FAILED'
VERSION_MISMATCH = 'CLEAN_VERSION_MISMATCH'


def _error_dict(exc):
    if isinstance(exc, errors.RESTError):
        return exc.serialize()
    # not reached by IPA's own code paths; keep Ironic's TypeError detection working
    return {'type': type(exc).__name__, 'code': 500, 'message': str(exc), 'details': ''}


class CommandResult:
    """A command's result; asynchronous ones are filled in by their thread."""

    def __init__(self, name, params):
        self.id = str(uuid.uuid4())
        self.command_name = name
        self.command_params = params
        self.command_status = RUNNING
        self.command_error = None
        self.command_result = None
        self._lock = threading.Lock()
        self._thread = None

    def serialize(self):
        """The JSON form: command_params are never returned, as in IPA."""
        with self._lock:
            return {'id': self.id, 'command_name': self.command_name,
                    'command_status': self.command_status,
                    'command_error': self.command_error,
                    'command_result': self.command_result}

    def is_done(self):
        """Whether it is no longer RUNNING."""
        with self._lock:
            return self.command_status != RUNNING

    def join(self):
        """Waits for an asynchronous command (GET ...?wait=true)."""
        if self._thread is not None:
            self._thread.join()
        return self

    def finish(self, result=None, error=None, status=None):
        """Records the outcome."""
        with self._lock:
            if error is not None:
                self.command_error = _error_dict(error)
                self.command_status = status or FAILED
            else:
                self.command_result = result
                self.command_status = status or SUCCEEDED


def sync_result(name, params, func):
    """Runs func now: a sync_command result (a str result becomes {"result": str})."""
    result = CommandResult(name, params)
    value = func()
    if isinstance(value, (bytes, str)):
        value = {'result': value}
    result.finish(result=value)
    return result


def async_result(name, params, func, on_done):
    """Starts func on a thread: an async_command result."""
    result = CommandResult(name, params)

    def run():
        try:
            value = func()
            if isinstance(value, (bytes, str)):
                value = {'result': '{}: {}'.format(name, value)}
            result.finish(result=value)
        except errors.VersionMismatch as e:
            result.finish(error=e, status=VERSION_MISMATCH)
        except Exception as e:  # noqa: B902 - every failure is the command's outcome
            LOG.info('command %s failed: %s', name, e)
            if not isinstance(e, errors.RESTError):
                e = errors.CommandExecutionError(str(e))
            result.finish(error=e)
        finally:
            on_done()

    result._thread = threading.Thread(target=run, name='agent-command-' + result.id, daemon=True)
    result._thread.start()
    return result


class CommandRunner:
    """The agent's command table: execute_command, list and get, with the busy rule."""

    def __init__(self, extensions):
        self.extensions = extensions  # name -> object with execute(command, **params)
        self.results = collections.OrderedDict()
        self._lock = threading.Lock()

    def execute(self, command_name, params):
        """Runs `<extension>.<command>`; raises RESTError subclasses as IPA does."""
        with self._lock:
            parts = command_name.split('.', 1)
            if len(parts) != 2:
                raise errors.InvalidCommandError(
                    'Command name must be of the form <extension>.<name>')
            if self.results:
                last = next(reversed(self.results.values()))
                if not last.is_done():
                    raise errors.AgentIsBusy(last.command_name)
            ext = self.extensions.get(parts[0])
            if ext is None:
                raise errors.RequestedObjectNotFoundError('Extension', parts[0])
            try:
                result = ext.execute(parts[1], **params)
            except errors.InvalidContentError:
                raise
            except Exception as e:  # noqa: B902 - IPA records it as a failed sync result
                result = CommandResult(command_name, params)
                result.finish(error=e)
            self.results[result.id] = result
            return result

    def list(self):
        """Every result, oldest first."""
        with self._lock:
            return list(self.results.values())

    def get(self, result_id):
        """One result by id."""
        with self._lock:
            try:
                return self.results[result_id]
            except KeyError:
                raise errors.RequestedObjectNotFoundError('Command Result', result_id) from None
