// `tsw serve`: runs the Timestream Write HTTP endpoint over an engine directory.
//
//   tsw serve --data DIR [--listen HOST:PORT] [--credentials FILE] [more flags: --help]
//
// Opens the engine in DIR, listens, prints "tsw serve: listening on http://HOST:PORT" to
// stdout, and serves until SIGTERM or SIGINT; then stops accepting, answers the requests
// already received, closes the engine (syncing its log) and returns 0.
#ifndef TSW_TOOLS_SERVER_SERVE_COMMAND_H_
#define TSW_TOOLS_SERVER_SERVE_COMMAND_H_

namespace tsw {
namespace server {

// `argv[0]` is the command's name ("serve"); the flags follow. Returns the process exit
// code: 0 after a clean shutdown, 1 when the engine or the listener could not start (the
// error printed to stderr as {"__type", "message"} JSON), 2 on a usage error.
//
// While it runs, SIGINT and SIGTERM are blocked in the calling thread and in every thread
// started from it (a watcher thread takes them with sigtimedwait); the mask is restored
// before returning. Call it from the main thread before starting other threads.
int RunServeCommand(int argc, char** argv);

}  // namespace server
}  // namespace tsw

#endif  // TSW_TOOLS_SERVER_SERVE_COMMAND_H_
