"""PostgreSQL for the fault campaigns: a private cluster of their own (started with
scripts/test-postgres.sh in a directory of its own, so stopping it never touches the server the
other tests share), stopped and started again on the same port; or a throwaway database on the
shared test server (SWITCHBOARD_TEST_PG_URL) for campaigns that do not stop PostgreSQL."""

import atexit
import os
import subprocess
import time
import uuid

import faultlib as fl

SCRIPT = os.path.join(fl.ROOT, "scripts", "test-postgres.sh")


def _psql_bin():
    for d in sorted(os.listdir("/usr/lib/postgresql"), reverse=True) if os.path.isdir(
            "/usr/lib/postgresql") else []:
        b = os.path.join("/usr/lib/postgresql", d, "bin")
        if os.access(os.path.join(b, "pg_ctl"), os.X_OK):
            return b
    raise fl.CampaignFailure("PostgreSQL server binaries not found: scripts/setup.sh test")


def _as_pg(argv):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + argv
    return argv


def _sql(admin_url, sql):
    out = subprocess.run([os.path.join(_psql_bin(), "psql"), "-X", "-q", "-At", admin_url, "-c",
                          sql], capture_output=True, text=True)
    if out.returncode != 0:
        raise fl.CampaignFailure("psql failed: %s" % out.stderr.strip())
    return out.stdout


class Database:
    def __init__(self, admin_url, name):
        self.admin_url = admin_url
        self.name = name
        self.url = admin_url.rsplit("/", 1)[0] + "/" + name

    @staticmethod
    def create_on_test_server():
        admin = os.environ.get("SWITCHBOARD_TEST_PG_URL")
        if not admin:
            raise fl.CampaignFailure("SWITCHBOARD_TEST_PG_URL is not set "
                                     "(export it from scripts/test-postgres.sh start)")
        name = "sb_fault_" + uuid.uuid4().hex[:12]
        _sql(admin, "CREATE DATABASE %s" % name)
        return Database(admin, name)

    def drop(self):
        _sql(self.admin_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)


class Cluster:
    """A private PostgreSQL of this campaign's own; stop()/start() keep its port."""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "pg")
        self.env = dict(os.environ, SWITCHBOARD_PG_DIR=self.dir,
                        SWITCHBOARD_PG_PORTS=os.environ.get("FAULT_PG_PORTS", "55430-55530"))
        out = subprocess.run([SCRIPT, "start"], env=self.env, capture_output=True, text=True)
        if out.returncode != 0:
            raise fl.CampaignFailure("private PostgreSQL did not start: %s" % out.stderr.strip())
        atexit.register(self.destroy)  # also when the campaign fails half way
        admin = out.stdout.strip().splitlines()[-1]
        self.port = int(admin.rsplit(":", 1)[1].split("/")[0])
        # A database of this run's own: nothing left from another run can reach it.
        name = "sb_fault_" + uuid.uuid4().hex[:12]
        _sql(admin, "CREATE DATABASE %s" % name)
        self.url = admin.rsplit("/", 1)[0] + "/" + name
        self.data = os.path.join(self.dir, "data")
        self.bin = _psql_bin()

    def ready(self):
        return subprocess.run([os.path.join(self.bin, "pg_isready"), "-q", "-h", "127.0.0.1", "-p",
                               str(self.port), "-t", "1"]).returncode == 0

    def stop(self, mode):
        """pg_ctl stop -m fast|immediate; waits until the server is gone."""
        out = subprocess.run(_as_pg([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", mode,
                                     "-w", "-t", "60", "stop"]), capture_output=True, text=True)
        if out.returncode != 0:
            raise fl.CampaignFailure("pg_ctl stop -m %s failed: %s" % (mode, out.stderr.strip()))

    def start(self, timeout=60):
        """Starts the server on its port again; returns the seconds until it answers."""
        t0 = time.time()
        out = subprocess.run(_as_pg([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l",
                                     os.path.join(self.dir, "postgres.log"), "-W", "start"]),
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if out.returncode != 0:
            raise fl.CampaignFailure("pg_ctl start failed: %s" % out.stderr.strip())
        while time.time() - t0 < timeout:
            if self.ready():
                return time.time() - t0
            time.sleep(0.05)
        raise fl.CampaignFailure("PostgreSQL not ready %ss after start" % timeout)

    def destroy(self):
        subprocess.run([SCRIPT, "stop"], env=self.env, capture_output=True)
