// SPDX-License-Identifier: GPL-2.0
/*
 * fragtrace.c - the fragtrace program: `fragtrace COMMAND [ARGS]`, as perf and trace-cmd do it.
 *
 * Each subcommand lives in its own cmd_*.c with a run function and a usage function; this
 * file only dispatches, and answers --help and --version.
 */
#include "cli.h"
#include "safe_output.h"
#include "version.h"

#include <signal.h>
#include <string.h>

static const struct cli_command *const commands[] = {
	&cmd_record,  &cmd_replay, &cmd_report,	  &cmd_check, &cmd_info,  &cmd_dump,
	&cmd_recover, &cmd_import, &cmd_snapshot, &cmd_synth, &cmd_merge, &cmd_fleet,
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/*
 * Interrupted: no temporary output may stay behind (outputs are unnamed until committed where
 * the file system allows; elsewhere safe_output lists them). Then die of the signal as before.
 * Commands with a graceful stop (record, replay) install their own handlers over this one.
 */
static void on_interrupt(int sig)
{
	safe_output_discard_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: fragtrace [--version] [--help] COMMAND [ARGS]\n\n"
		     "Simulate page-allocator policies on real kmem traces.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "   %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\nSee 'fragtrace COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			for (size_t i = 0; i < NR_COMMANDS; i++)
				if (!strcmp(argv[2], commands[i]->name)) {
					commands[i]->usage(stdout);
					return EXIT_OK;
				}
		}
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("fragtrace %s\n", FRAGTRACE_VERSION);
		return EXIT_OK;
	}
	signal(SIGINT, on_interrupt);
	signal(SIGTERM, on_interrupt);
	signal(SIGHUP, on_interrupt);
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(argv[1], commands[i]->name))
			continue;
		for (int a = 2; a < argc && strcmp(argv[a], "--"); a++)
			if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
				commands[i]->usage(stdout);
				return EXIT_OK;
			}
		return commands[i]->run(argc - 1, argv + 1);
	}
	cli_error("'%s' is not a fragtrace command. See 'fragtrace --help'.", argv[1]);
	return EXIT_USAGE;
}
