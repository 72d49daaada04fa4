"""Templates for network, permission_auth, configuration and infrastructure."""

from __future__ import annotations

from functools import partial

from conveyor.debug.corpus.template import Template

NW = partial(Template, "network")
PA = partial(Template, "permission_auth")
CF = partial(Template, "configuration")
IN = partial(Template, "infrastructure")

NETWORK = (
    NW(
        "python",
        "pip install -r requirements.txt",
        """WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f{sha}>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/{pypkg}/
WARNING: Retrying (Retry(total=3, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ReadTimeoutError("HTTPSConnectionPool(host='pypi.org', port=443): Read timed out. (read timeout=15)")': /simple/{pypkg}/
ERROR: Could not find a version that satisfies the requirement {pypkg}=={pyver} (from versions: none)
ERROR: No matching distribution found for {pypkg}=={pyver}""",
    ),
    NW(
        "python",
        "pip download {pypkg}",
        """ERROR: Exception:
pip._vendor.urllib3.exceptions.ReadTimeoutError: HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Read timed out.""",
    ),
    NW(
        "node",
        "npm ci",
        """npm ERR! code ECONNRESET
npm ERR! syscall read
npm ERR! errno ECONNRESET
npm ERR! network request to https://registry.npmjs.org/{npm}/-/{npm}-{npmver}.tgz failed, reason: read ECONNRESET
npm ERR! network This is a problem related to network connectivity.
npm ERR! network In most cases you are behind a proxy or have bad network settings.""",
    ),
    NW(
        "node",
        "yarn install --frozen-lockfile",
        """[2/4] Fetching packages...
info There appears to be trouble with your network connection. Retrying...
info There appears to be trouble with your network connection. Retrying...
error An unexpected error occurred: "https://registry.yarnpkg.com/{npm}/-/{npm}-{npmver}.tgz: ESOCKETTIMEDOUT".""",
    ),
    NW(
        "node",
        "pnpm install",
        """ ERR_PNPM_META_FETCH_FAIL  GET https://registry.npmjs.org/{npm}: request to https://registry.npmjs.org/{npm} failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org""",
    ),
    NW(
        "go",
        "go mod download",
        """go: {gomod}@{gover}: Get "https://proxy.golang.org/{gomod}/@v/{gover}.mod": dial tcp {ip}:443: i/o timeout""",
    ),
    NW(
        "rust",
        "cargo fetch",
        """    Updating crates.io index
warning: spurious network error (3 tries remaining): [28] Timeout was reached (failed to download any data for `{crate} v{cratever}` within 30s)
error: failed to download from `https://static.crates.io/crates/{crate}/{cratever}/download`

Caused by:
  [35] SSL connect error (OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to static.crates.io:443 )""",
    ),
    NW(
        "java",
        "./gradlew build",
        """* What went wrong:
Could not resolve all files for configuration ':app:runtimeClasspath'.
> Could not resolve {jdep}:{jver}.
   > Could not get resource 'https://repo.maven.apache.org/maven2/{word}/{jver}/{word}-{jver}.pom'.
      > Could not GET 'https://repo.maven.apache.org/maven2/{word}/{jver}/{word}-{jver}.pom'. Received status code 503 from server: Service Unavailable""",
    ),
    NW(
        "java",
        "mvn -B package",
        """[ERROR] Failed to execute goal on project {proj}: Could not transfer artifact {jdep}:pom:{jver} from/to central (https://repo.maven.apache.org/maven2): Connection reset -> [Help 1]""",
    ),
    NW(
        "shell",
        "curl -fsSL https://{host}/install.sh | sh",
        """curl: (6) Could not resolve host: {host}""",
    ),
    NW(
        "shell",
        "./scripts/wait-for-db.sh",
        """psql: error: connection to server at "{ip}", port {port} failed: Connection refused
	Is the server running on that host and accepting TCP/IP connections?""",
    ),
    NW(
        "docker",
        "docker pull {image}",
        """Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)""",
    ),
    NW(
        "docker",
        "docker pull {image}",
        """Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit""",
    ),
    NW(
        "shell",
        "git fetch origin {branch}",
        """error: RPC failed; curl 56 GnuTLS recv error (-54): Error in the pull function.
fatal: early EOF
fatal: fetch-pack: invalid index-pack output""",
    ),
    NW(
        "python",
        "python scripts/fetch_data.py",
        """requests.exceptions.SSLError: HTTPSConnectionPool(host='{host}', port=443): Max retries exceeded with url: /v1/{word} (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')))""",
    ),
    NW(
        "shell",
        "apt-get update",
        """Err:{count} http://archive.ubuntu.com/ubuntu jammy-updates InRelease
  Temporary failure resolving 'archive.ubuntu.com'
W: Failed to fetch http://archive.ubuntu.com/ubuntu/dists/jammy-updates/InRelease  Temporary failure resolving 'archive.ubuntu.com'
W: Some index files failed to download. They have been ignored, or old ones used instead.""",
    ),
    NW(
        "node",
        "npx playwright install",
        """Error: getaddrinfo ENOTFOUND playwright.azureedge.net
    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26)""",
    ),
    NW(
        "python",
        "python -m {pkgdir}.sync",
        """urllib.error.HTTPError: HTTP Error 502: Bad Gateway""",
    ),
)

AUTH = (
    PA(
        "node",
        "npm publish",
        """npm ERR! code E401
npm ERR! 401 Unauthorized - PUT https://registry.npmjs.org/@{word}%2f{npm} - You must be logged in to publish packages.""",
    ),
    PA(
        "node",
        "npm ci",
        """npm ERR! code E403
npm ERR! 403 403 Forbidden - GET https://npm.pkg.github.com/@{word}%2f{word2} - Permission permission_denied: read_package""",
    ),
    PA(
        "docker",
        "docker push ghcr.io/{user}/{proj}:{sha}",
        """The push refers to repository [ghcr.io/{user}/{proj}]
{sha}: Preparing
denied: permission_denied: write_package""",
    ),
    PA(
        "docker",
        "docker login -u {user} --password-stdin",
        """Error response from daemon: Get "https://registry.gitlab.com/v2/": unauthorized: HTTP Basic: Access denied. The provided password or token is incorrect or your account has 2FA enabled""",
    ),
    PA(
        "shell",
        "git push origin HEAD:{branch}",
        """remote: Permission to {user}/{proj}.git denied to github-actions[bot].
fatal: unable to access 'https://github.com/{user}/{proj}.git/': The requested URL returned error: 403""",
    ),
    PA(
        "shell",
        "git clone git@github.com:{user}/{proj}.git",
        """Cloning into '{proj}'...
git@github.com: Permission denied (publickey).
fatal: Could not read from remote repository.

Please make sure you have the correct access rights
and the repository exists.""",
    ),
    PA(
        "shell",
        "./deploy.sh",
        """+ ./deploy.sh
bash: ./deploy.sh: Permission denied""",
        exit_code=126,
    ),
    PA(
        "python",
        "twine upload dist/*",
        """Uploading {proj}-{pyver}-py3-none-any.whl
ERROR    HTTPError: 403 Forbidden from https://upload.pypi.org/legacy/
         Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information.""",
    ),
    PA(
        "shell",
        "aws s3 sync dist s3://{proj}-artifacts",
        """fatal error: An error occurred (AccessDenied) when calling the ListObjectsV2 operation: Access Denied""",
    ),
    PA(
        "shell",
        "aws ecr get-login-password",
        """Unable to locate credentials. You can configure credentials by running "aws configure".""",
    ),
    PA(
        "node",
        "npm install -g {npm}",
        """npm ERR! code EACCES
npm ERR! syscall mkdir
npm ERR! path /usr/local/lib/node_modules/{npm}
npm ERR! errno -13
npm ERR! Error: EACCES: permission denied, mkdir '/usr/local/lib/node_modules/{npm}'""",
    ),
    PA(
        "python",
        "pip install .",
        """ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied: '/usr/local/lib/python{pyvers}/site-packages/{pymod}'
Consider using the `--user` option or check the permissions.""",
    ),
    PA(
        "shell",
        "gh release create v{pyver}",
        """HTTP 403: Resource not accessible by integration (https://api.github.com/repos/{user}/{proj}/releases)""",
    ),
    PA(
        "java",
        "mvn -B deploy",
        """[ERROR] Failed to execute goal org.apache.maven.plugins:maven-deploy-plugin:3.1.1:deploy (default-deploy) on project {proj}: Failed to deploy artifacts: Could not transfer artifact {jpkg}:{proj}:jar:{jver} from/to github (https://maven.pkg.github.com/{user}/{proj}): status code: 401, reason phrase: Unauthorized (401)""",
    ),
    PA(
        "shell",
        "kubectl apply -f k8s/",
        """Error from server (Forbidden): deployments.apps "{proj}" is forbidden: User "system:serviceaccount:ci:deployer" cannot patch resource "deployments" in API group "apps" in the namespace "prod\"""",
    ),
    PA(
        "shell",
        "terraform plan",
        """Error: error configuring Terraform AWS Provider: no valid credential sources for Terraform AWS Provider found.
│ Error: failed to refresh cached credentials, operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 403, RequestID: {sha}, api error AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity""",
    ),
    PA(
        "rust",
        "cargo publish",
        """error: failed to publish to registry at https://crates.io

Caused by:
  the remote server responded with an error (status 403 Forbidden): this token does not have the required permissions to perform this action""",
    ),
)

CONFIG = (
    CF(
        "shell",
        "gh workflow run",
        """Invalid workflow file: .github/workflows/ci.yml#L{n}
The workflow is not valid. .github/workflows/ci.yml (Line: {n}, Col: {col}): Unexpected value '{word}'""",
        ci="github-actions",
        footer=False,
    ),
    CF(
        "shell",
        "actions/setup-node@v4",
        """Error: Input required and not supplied: node-version""",
        ci="github-actions",
    ),
    CF(
        "shell",
        "docker/login-action@v3",
        """Error: Username and password required""",
        ci="github-actions",
    ),
    CF(
        "shell",
        "gitlab-ci lint",
        """This GitLab CI configuration is invalid: jobs:{word}:script config should be a string or a nested array of strings up to 10 levels deep""",
        ci="gitlab-ci",
        footer=False,
    ),
    CF(
        "shell",
        "gitlab-ci lint",
        """Found errors in your .gitlab-ci.yml:
jobs:{word} config contains unknown keys: {word2}""",
        ci="gitlab-ci",
        footer=False,
    ),
    CF(
        "shell",
        "jenkinsfile",
        """org.codehaus.groovy.control.MultipleCompilationErrorsException: startup failed:
WorkflowScript: {n}: Expected a step @ line {n}, column {col}.
               sh 'make test'
               ^

1 error""",
        ci="jenkins",
    ),
    CF(
        "shell",
        "./scripts/deploy.sh",
        """+ set -euo pipefail
./scripts/deploy.sh: line {n}: {var}: unbound variable""",
    ),
    CF(
        "python",
        "python manage.py migrate",
        """Traceback (most recent call last):
  File "/app/{pkgdir}/settings.py", line {n}, in <module>
    SECRET_KEY = os.environ["{var}"]
  File "<frozen os>", line 679, in __getitem__
KeyError: '{var}'""",
    ),
    CF(
        "node",
        "npm run {word}",
        """npm ERR! Missing script: "{word}"
npm ERR!
npm ERR! To see a list of scripts, run:
npm ERR!   npm run""",
    ),
    CF(
        "node",
        "npm ci",
        """npm ERR! code EUSAGE
npm ERR!
npm ERR! `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.
npm ERR!
npm ERR! Missing: {npm}@{npmver} from lock file""",
    ),
    CF(
        "node",
        "pnpm install --frozen-lockfile",
        """ ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with package.json""",
    ),
    CF(
        "python",
        "poetry install",
        """pyproject.toml changed significantly since poetry.lock was last generated. Run `poetry lock [--no-update]` to fix the lock file.""",
    ),
    CF(
        "docker",
        "docker build -f docker/Dockerfile .",
        """ERROR: failed to solve: failed to read dockerfile: open docker/Dockerfile: no such file or directory""",
    ),
    CF(
        "c-cpp",
        "cmake -B build",
        """CMake Error at CMakeLists.txt:{n} (add_subdirectory):
  The source directory

    /home/runner/work/{proj}/{proj}/third_party/{word}

  does not contain a CMakeLists.txt file.

-- Configuring incomplete, errors occurred!""",
    ),
    CF("shell", "make deploy", """make: *** No rule to make target 'deploy'.  Stop."""),
    CF(
        "python",
        "pytest",
        """ERROR: usage: pytest [options] [file_or_dir] [file_or_dir] [...]
pytest: error: unrecognized arguments: --cov={pkgdir} --cov-report=xml
  inifile: /home/runner/work/{proj}/{proj}/pyproject.toml""",
    ),
    CF(
        "shell",
        "terraform init",
        """Error: Invalid value for input variable
│   on variables.tf line {n}:
│ The environment variable TF_VAR_{var} is not set and no default value was provided.""",
    ),
    CF(
        "java",
        "mvn -B package",
        """[ERROR] Some problems were encountered while processing the POMs:
[ERROR] 'dependencies.dependency.version' for {jdep}:jar is missing. @ line {n}, column {col}
[ERROR] The build could not read 1 project -> [Help 1]""",
    ),
    CF(
        "rust",
        "cargo build",
        """error: failed to parse manifest at `/home/runner/work/{proj}/{proj}/Cargo.toml`

Caused by:
  unknown field `{word}`, expected one of `name`, `version`, `edition`, `authors`""",
    ),
    CF(
        "shell",
        "./ci/run.sh",
        """cp: cannot stat 'config/{word}.example.yml': No such file or directory
Error: required file config/{word}.yml is missing""",
    ),
)

INFRA = (
    IN(
        "shell",
        "runner",
        """The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.
##[error]The operation was canceled.
Cleaning up orphan processes""",
        ci="github-actions",
        footer=False,
    ),
    IN(
        "shell",
        "runner",
        """The hosted runner: {runner} lost communication with the server. Anything in your workflow that terminates the runner process, starves it for CPU/Memory, or blocks its network access can cause this error.""",
        ci="github-actions",
        footer=False,
    ),
    IN(
        "docker",
        "docker build .",
        """Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?""",
    ),
    IN(
        "docker",
        "docker info",
        """error during connect: Get "http://docker:2375/v1.24/info": dial tcp: lookup docker on {ip}:53: no such host
ERROR: Job failed: exit code 1""",
        ci="gitlab-ci",
        footer=False,
    ),
    IN(
        "shell",
        "gitlab-runner",
        """Preparing the "docker+machine" executor
ERROR: Preparation failed: exit status 1
Will be retried in 3s ...
ERROR: Job failed (system failure): prepare environment: exit status 1. Check https://docs.gitlab.com/runner/shells/index.html#shell-profile-loading for more information""",
        ci="gitlab-ci",
        footer=False,
    ),
    IN(
        "shell",
        "gitlab-runner",
        """Using Kubernetes executor with image {image} ...
Waiting for pod ci/runner-{rand}-project-{n}-concurrent-0 to be running, status is Pending
ERROR: Job failed (system failure): prepare environment: waiting for pod running: timed out waiting for pod to start""",
        ci="gitlab-ci",
        footer=False,
    ),
    IN(
        "shell",
        "gitlab-runner",
        """ERROR: Job failed (system failure): Error response from daemon: OCI runtime create failed: container_linux.go:380: starting container process caused: process_linux.go:545: container init caused: read init-p: connection reset by peer: unknown""",
        ci="gitlab-ci",
        footer=False,
    ),
    IN(
        "shell",
        "sh",
        """Cannot contact agent-{count}: java.lang.InterruptedException
wrapper script does not seem to be touching the log file in /var/lib/jenkins/workspace/{proj}@tmp/durable-{sha}
(JENKINS-48300: if on an extremely laggy filesystem, consider -Dorg.jenkinsci.plugins.durabletask.BourneShellScript.HEARTBEAT_CHECK_INTERVAL=86400)
hudson.remoting.ChannelClosedException: Channel "hudson.remoting.Channel@{sha}:agent-{count}": Remote call on agent-{count} failed. The channel is closing down or has closed down""",
        ci="jenkins",
        footer=False,
    ),
    IN(
        "shell",
        "sh",
        """Agent agent-{count} was marked offline: Connection was broken
ERROR: Issue with creating launcher for agent agent-{count}. The agent is being disconnected
Finished: FAILURE""",
        ci="jenkins",
        footer=False,
    ),
    IN(
        "shell",
        "worker",
        """There was an error while setting up the instance. Retrying...
The job was terminated because the worker was lost. Restarting the job.""",
        ci="travis",
        footer=False,
    ),
    IN(
        "shell",
        "agent",
        """##[error]We stopped hearing from agent Azure Pipelines {count}. Verify the agent machine is running and has a healthy network connection. Anything that terminates an agent process, starves it for CPU, or blocks its network access can cause this error.""",
        ci="azure-pipelines",
        footer=False,
    ),
    IN(
        "shell",
        "runner",
        """Error: The hosted runner encountered an error while running your job. (Error Type: Disconnect).""",
        ci="github-actions",
        footer=False,
    ),
    IN(
        "docker",
        "docker run --rm {image}",
        """docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "/proc" to rootfs: permission denied: unknown.
time="2024-03-{count}T10:{n}:00Z" level=error msg="error waiting for container: context canceled\"""",
    ),
    IN(
        "shell",
        "buildkite-agent",
        """⚠️ Warning: Checkout failed! Error response from agent: the agent was lost (exit status -1)
🚨 Error: The agent lost its connection to Buildkite and the job was marked as failed.""",
    ),
    IN(
        "shell",
        "self-hosted runner",
        """The self-hosted runner: {runner} lost communication with the server. Verify the machine is running and has a healthy network connection.""",
        ci="github-actions",
        footer=False,
    ),
    IN(
        "shell",
        "circleci",
        """Unexpected error occurred while spinning up the environment. Please rerun the job. If this persists, contact support.
Error: infrastructure_fail""",
        ci="circleci",
        footer=False,
    ),
)
