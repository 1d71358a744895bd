export const USAGE = `infra-agent — collect from a site's hosts over SSH into SQLite

Usage:
  infra-agent run --config FILE            run the daemon (schedules, collection, storage);
                                           SIGHUP reloads the file, SIGTERM stops
  infra-agent collect --config FILE HOST COMMAND [--param k=v]... [--force] [--json]
                                           one collection through the same service
                                           (cache, audit, storage) and print the result
  infra-agent status --config FILE [--json] a summary line, the hub link, the outbox backlog,
                                           hosts, last success per command, errors with
                                           their codes (reads the database)
  infra-agent check-config --config FILE   validate the configuration and report; warns
                                           about unreadable key/token files, unpinned hosts
  infra-agent commands [--config FILE]     list commands with schedules, TTLs, timeouts
  infra-agent parsers                      list the parsers and the input each takes
  infra-agent parse PARSER [FILE]          parse a saved output (stdin without FILE),
                                           print JSON; PARSER is a parser or command name
  infra-agent help | --help | --version

Exit status: 0 ok, 1 the collection or parse failed, 2 usage or configuration error.
Docs: docs/configuration.md`;
