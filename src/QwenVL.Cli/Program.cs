// Entry point of the `qwenvl` command: one subcommand per job. Parsing and help come from
// System.CommandLine; every command's errors go through CliErrors so a user sees one line that
// says what is wrong and where, and an exit code, never a stack trace.
using System.CommandLine;
using QwenVL.Cli.Commands;
using QwenVL.Cli.Commands.Grounding;

var root = new RootCommand("QwenVL.NET: run Qwen2-VL and Qwen2.5-VL vision-language models in .NET");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(InspectCommand.Create());
root.Subcommands.Add(SynthCommand.Create());
root.Subcommands.Add(QuantizeCommand.Create());
root.Subcommands.Add(GgufCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(GroundCommand.Create());
root.Subcommands.Add(AnnotateCommand.Create());
root.Subcommands.Add(OcrCommand.Create());
HubCommands.Register(root); // pull, list, rm and the global --yes
// No @response files: `annotate --text @FILE` reads FILE itself (System.CommandLine would split it into tokens).
ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
int code = await parsed.InvokeAsync();
// System.CommandLine prints parse errors (unknown option, bad choice, missing value) and returns 1;
// they are bad input, which every qwenvl command reports with exit code 2.
return parsed.Errors.Count > 0 && code == 1 ? 2 : code;
