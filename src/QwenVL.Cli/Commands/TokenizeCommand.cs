// `qwenvl tokenize`: the ids the checkpoint's tokenizer gives a text (special-token text such as
// <|im_start|> recognised, nothing added), to check prompts and compare with other tools.
using System.CommandLine;
using System.Text.Json;
using QwenVL.Tokenizer;

namespace QwenVL.Cli.Commands;

/// <summary>The tokenize command.</summary>
public static class TokenizeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<string> model = CommonOptions.Model();
        Option<bool> json = CommonOptions.Json("print a JSON array of ids");
        var text = new Argument<string>("text") { Description = "text to tokenize" };
        var command = new Command("tokenize", "print the token ids of a text") { model, json, text };
        command.SetAction((p, _) => CliErrors.Guard(() =>
        {
            string folder = p.GetValue(model)!;
            string path = Path.Combine(folder, "tokenizer.json");
            if (!File.Exists(path))
            {
                throw new CliUsageException($"no tokenizer.json in {folder}");
            }
            int[] ids = Qwen2Tokenizer.Load(path).Encode(p.GetValue(text)!);
            Console.Out.WriteLine(p.GetValue(json) ? JsonSerializer.Serialize(ids) : string.Join(' ', ids));
            return Task.FromResult(0);
        }));
        return command;
    }
}
