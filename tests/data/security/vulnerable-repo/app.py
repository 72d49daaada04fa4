"""A deliberately vulnerable application: the security scan's fixture (never run it)."""

import hashlib
import os
import pickle
import subprocess


def run(command):
    os.system(input())
    return subprocess.call(command, shell=True)


def load(blob):
    return pickle.loads(blob)


def digest(data):
    return hashlib.md5(data).hexdigest()


def calculate(expression):
    return eval(expression)
