// Entry point of the `qwenvl` command: one subcommand per job. Parsing and help come from
// System.CommandLine; every command's errors go through CliErrors so a user sees one line that
// says what is wrong and where, and an exit code, never a stack trace.
using System.CommandLine;
using QwenVL.Cli.Commands;

var root = new RootCommand("QwenVL.NET: run Qwen2-VL and Qwen2.5-VL vision-language models in .NET");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(InspectCommand.Create());
root.Subcommands.Add(SynthCommand.Create());
root.Subcommands.Add(QuantizeCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
return await root.Parse(args).InvokeAsync();
