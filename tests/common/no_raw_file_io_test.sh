#!/bin/bash
# Fails if any engine source other than the POSIX Env (engine/common/posix_env.cc) calls
# the file system directly: every file operation of the engine goes through an Env
# (api/tsw/env.h), so that an embedding application or a test can substitute its own.
#
# Usage: no_raw_file_io_test.sh FILE...  (the engine's sources, from the BUILD data).
set -u

allowed="engine/common/posix_env.cc"
# The forwarder's HTTP client closes its socket (not a file) with close(2), from unistd.h:
# in that one file the include and `::close(fd)` / `::close(fd_)` pass, nothing else.
socket_file="engine/forward/http1_connection.cc"
socket_ok='^[0-9]+:(#include <unistd\.h>[[:space:]]*|.*[{ ]::close\(fd_?\);( })?)$'

# System calls and C library functions that touch files, called as free functions
# (`::open(`, `open(`), not as methods (`file->Read(`, `env.RemoveFile(`).
calls='open|openat|creat|close|read|write|pread|pread64|preadv|pwrite|pwrite64|pwritev'
calls+='|lseek|fsync|fdatasync|sync_file_range|fallocate|posix_fallocate|ftruncate|truncate'
calls+='|rename|renameat|link|unlink|unlinkat|mkdir|mkdirat|rmdir|opendir|fdopendir|readdir'
calls+='|closedir|stat|fstat|lstat|statx|access|faccessat|mmap|munmap|madvise|msync|flock'
calls+='|fopen|fdopen|freopen|fclose|fread|fwrite|fflush'
call_re="(^|[^A-Za-z0-9_.>])(::)?($calls)[[:space:]]*\("
include_re='#[[:space:]]*include[[:space:]]*<(fcntl\.h|sys/mman\.h|dirent\.h|unistd\.h|sys/stat\.h|sys/file\.h|sys/uio\.h|filesystem|fstream)>'
library_re='std::(filesystem|ifstream|ofstream|fstream)|\bFILE[[:space:]]*\*'

if [[ $# -eq 0 ]]; then
  echo "no engine sources given" >&2
  exit 1
fi

checked=0
found=0
for f in "$@"; do
  case "$f" in
    *.cc | *.h) ;;
    *) continue ;;
  esac
  [[ "$f" == *"$allowed" ]] && continue
  checked=$((checked + 1))
  # Comments say "fsync" and "pread" freely; only code counts.
  hits=$(sed -e 's|//.*||' "$f" | grep -nE "$call_re|$include_re|$library_re")
  if [[ "$f" == *"$socket_file" ]]; then
    hits=$(echo "$hits" | grep -vE "$socket_ok" | grep -v '^$')
  fi
  if [[ -n "$hits" ]]; then
    echo "$f calls the file system directly; go through an Env (tsw/env.h):"
    echo "$hits" | sed 's/^/  /'
    found=1
  fi
done

# Guard against the data list going empty or stale.
if [[ $checked -lt 50 ]]; then
  echo "only $checked engine sources were checked; is the data list complete?" >&2
  exit 1
fi
if [[ $found -ne 0 ]]; then
  exit 1
fi
echo "checked $checked engine sources: no direct file-system calls"
