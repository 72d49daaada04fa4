"""Detection rules for the environment: shell, docker, network, auth, CI runners.

Same row format as ``rules_tools``: ``(kind, tool, pattern)``; earlier rows win.
"""

from __future__ import annotations

from typing import Final

from conveyor.debug.rules_tools import RuleRow

RESOURCE_RULES: Final[tuple[RuleRow, ...]] = (
    (
        "disk_full",
        None,
        r"^(?P<msg>.*(?:[Nn]o space left on device|ENOSPC|[Dd]isk quota exceeded"
        r"|not enough (?:free )?(?:disk )?space|There is not enough space on the disk).*)$",
    ),
    (
        "oom_killed",
        "kernel",
        r"^(?P<msg>.*(?:OOMKilled|Out of memory: Kill(?:ed)? process|"
        r"oom-kill(?:er)?|Memory cgroup out of memory).*)$",
    ),
    (
        "out_of_memory",
        None,
        r"^(?P<msg>.*(?:std::bad_alloc|Cannot allocate memory|"
        r"memory allocation of \d+ bytes failed|out of memory|CUDA out of memory).*)$",
    ),
    ("oom_killed", "shell", r"^(?P<msg>(?:.*: )?(?:line \d+: )?\d*\s*Killed(?:\s+.*)?)$"),
    (
        "oom_killed",
        None,
        r"^(?P<msg>.*(?:exit code|exit status|exited with code|code)[ :]+(?P<code>137)\b.*)$",
    ),
    ("oom_killed", None, r"^(?P<msg>.*(?:signal: killed|killed by signal 9|SIGKILL).*)$"),
    (
        "command_not_found",
        None,
        r"^(?P<msg>.*(?:exit code|exit status|code)[ :]+(?P<code>127)\b.*)$",
    ),
)

RUNNER_RULES: Final[tuple[RuleRow, ...]] = (
    ("timeout", "github-actions", r"^(?P<msg>.*has exceeded the maximum execution time of .+)$"),
    ("timeout", "github-actions", r"^(?P<msg>.*The action '.+' has timed out after .+)$"),
    ("cancelled", "github-actions", r"^(?P<msg>(?:Error: )?The operation was canceled\.)$"),
    (
        "runner_lost",
        "github-actions",
        r"^(?P<msg>.*(?:The runner has received a shutdown signal"
        r"|lost communication with the server|The hosted runner encountered an error"
        r"|Runner\.Worker.*exited unexpectedly).*)$",
    ),
    ("timeout", "gitlab-ci", r"^(?P<msg>.*execution took longer than .+)$"),
    ("runner_lost", "gitlab-ci", r"^(?P<msg>ERROR: Job failed \(system failure\): .+)$"),
    (
        "runner_lost",
        "gitlab-ci",
        r"^(?P<msg>ERROR: (?:Preparation failed|Job failed): .*(?:"
        r"runner|pod|executor|failed to pull image|Error response from daemon).*)$",
    ),
    (
        "config_error",
        "gitlab-ci",
        r"^(?P<msg>.*(?:config contains unknown keys|"
        r"jobs config should contain|This GitLab CI configuration is invalid|yaml invalid).*)$",
    ),
    (
        "timeout",
        "jenkins",
        r"^(?P<msg>.*Build timed out \(after .+|.*Timeout has been exceeded.*)$",
    ),
    (
        "runner_lost",
        "jenkins",
        r"^(?P<msg>.*(?:ChannelClosedException|Agent went offline|"
        r"was marked offline|Cannot contact \S+: |Remote call on \S+ failed|"
        r"There are no nodes with the label|RemovedNodeListener|agent .+ disconnected).*)$",
    ),
    ("config_error", "jenkins", r"^(?P<msg>WorkflowScript: \d+: .+|.*No such DSL method .+)$"),
    (
        "cancelled",
        "jenkins",
        r"^(?P<msg>.*(?:Aborted by \S+|Sending interrupt signal to process"
        r"|Finished: ABORTED).*)$",
    ),
    (
        "timeout",
        "travis",
        r"^(?P<msg>.*(?:No output has been received in the last \S+|"
        r"exceeded the maximum time limit for jobs).*)$",
    ),
    (
        "runner_lost",
        "travis",
        r"^(?P<msg>.*(?:worker was lost|error occurred while "
        r"(?:generating the build script|setting up the instance)).*)$",
    ),
    ("timeout", "circleci", r"^(?P<msg>.*Too long with no output \(exceeded .+)$"),
    (
        "config_error",
        "github-actions",
        r"^(?P<msg>.*(?:Invalid workflow file|The workflow is not valid|"
        r"Unrecognized named-value|Unexpected value '|Required property is missing|"
        r"Input required and not supplied: |Can't find 'action\.ya?ml'|Unable to resolve action).*)$",
    ),
    (
        "timeout",
        None,
        r"^(?P<msg>.*(?:timed out after \d+ ?(?:minutes|seconds|m|s)\b|"
        r"deadline exceeded.*waiting|Job timed out|job exceeded.*time limit).*)$",
    ),
    (
        "timeout",
        None,
        r"^(?P<msg>.*(?:timetrap_timeout|Tests timed out|exited with 124\b|"
        r"Timeout of \d+ms exceeded|timeout of \d+ms exceeded|ExUnit\.TimeoutError|test timed out after).*)$",
    ),
    (
        "exit_status",
        None,
        r"^(?P<msg>.*(?:Process completed with exit code|script returned exit "
        r"code|ERROR: Job failed: exit code|exited with (?:code|status)?|returned non-zero exit "
        r"status|exit status|exit code:?) (?P<code>\d+)\b.*)$",
    ),
)

ENVIRONMENT_RULES: Final[tuple[RuleRow, ...]] = (
    (
        "docker_daemon",
        "docker",
        r"^(?P<msg>.*Cannot connect to the Docker daemon.*|"
        r".*error during connect: .+)$",
    ),
    (
        "auth_failed",
        "docker",
        r"^(?P<msg>.*(?:pull access denied for|denied: requested access to the "
        r"resource is denied|unauthorized: authentication required|"
        r"failed to fetch oauth token|no basic auth credentials).*)$",
    ),
    (
        "rate_limited",
        None,
        r"^(?P<msg>.*(?:toomanyrequests|Too Many Requests|rate limit exceeded|"
        r"API rate limit|(?:HTTP/[\d.]+ |status(?: code)?:? |error:? |code E?)429\b).*)$",
    ),
    (
        "tls_error",
        None,
        r"^(?P<msg>.*(?:CERTIFICATE_VERIFY_FAILED|certificate verify failed|"
        r"x509: certificate|SSL routines|TLS handshake timeout|unable to get local issuer|"
        r"SSLError|self[- ]signed certificate).*)$",
    ),
    (
        "auth_failed",
        None,
        r"^(?P<msg>.*(?:(?:HTTP/[\d.]+ |status(?: code)?:? |error:? |code E?)40[13]\b|"
        r"Unauthorized|Forbidden|Bad credentials|"
        r"[Aa]uthentication (?:failed|required)|[Ii]nvalid (?:username or password|credentials|token)|"
        r"Permission denied \(publickey|could not read Username|Resource not accessible by integration|"
        r"Unable to locate credentials|ExpiredToken|InvalidAccessKeyId|AccessDenied|"
        r"403 Forbidden|access token .*(?:invalid|expired)|not authorized).*)$",
    ),
    (
        "network_error",
        None,
        r"^(?P<msg>.*(?:Connection refused|Connection reset|[Cc]onnection timed out|"
        r"Could not resolve host|Temporary failure in name resolution|server misbehaving|no such host|"
        r"Name or service not known|"
        r"getaddrinfo|ETIMEDOUT|ECONNRESET|ECONNREFUSED|EAI_AGAIN|ENOTFOUND|socket hang up|"
        r"i/o timeout|Network is unreachable|Failed to connect to|Read timed out|"
        r"Could not connect to|\b50[234] (?:Bad Gateway|Service Unavailable|Gateway Time-?out)|"
        r"status code:? 50\d|Received status code 50\d|RemoteDisconnected|"
        r"unexpected EOF while reading|TLS connection was non-properly terminated|"
        r"Empty reply from server|unable to access '(?:https?|git)://|could not fetch content|"
        r"Could not create connection to|Error cloning remote repo).*)$",
    ),
    (
        "permission_denied",
        None,
        r"^(?P<msg>.*(?:[Pp]ermission denied|EACCES|EPERM|"
        r"Operation not permitted|Access is denied|read-only file system).*)$",
    ),
    (
        "command_not_found",
        "shell",
        r"^(?P<msg>(?:.*: )?(?:line \d+: )?\S+: (?:command )?not found)$",
    ),
    ("missing_variable", "shell", r"^(?P<msg>.*: (?:\$?\w+): unbound variable)$"),
    (
        "missing_variable",
        None,
        r"^(?P<msg>.*(?:environment variable|env var|secret) .*(?:is not set|"
        r"not set|is missing|is required|must be set|undefined).*)$",
    ),
    (
        "missing_library",
        None,
        r"^(?P<msg>.*(?:error while loading shared libraries|cannot open shared object file|"
        r"Library not loaded: |executable file not found in \$PATH|is currently not installed).*)$",
    ),
    # A script or directory of the repository that is not there is configuration, not a dependency.
    (
        "missing_script",
        "shell",
        r"^(?P<msg>.*(?:\bcd: \S+|line \d+: \S*(?:/|\.sh\b)\S*): No such file or directory)$",
    ),
    (
        "config_error",
        None,
        r"^(?P<msg>.*(?:No Rakefile found|Task never defined: |No rule to make target|"
        r"Build input file cannot be found|invalid reference format).*)$",
    ),
    ("missing_path", None, r"^(?P<msg>.*No such file or directory.*|.*ENOENT.*)$"),
    ("segfault", None, r"^(?P<msg>.*(?:Segmentation fault|SIGSEGV|core dumped).*)$"),
    ("fatal", "git", r"^(?P<msg>fatal: .+)$"),
    ("generic_error", None, r"^(?P<msg>(?:ERROR|Error|error)(?:\[\w+\])?:? .+)$"),
)
