// `qwenvl ocr`: reads the text of an image with the cookbook prompt of the chosen format (plain text,
// QwenVL Markdown, QwenVL HTML, or line-level JSON spotting) and prints the answer, or with --json the
// answer plus its typed blocks (kind, text, bbox in original-image pixels).
using System.CommandLine;
using System.Text.Json.Nodes;
using QwenVL.Engine;
using QwenVL.Grounding;
using QwenVL.Grounding.Documents;
using QwenVL.Models;

namespace QwenVL.Cli.Commands.Grounding;

/// <summary>The ocr command.</summary>
public static class OcrCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<string> model = CommonOptions.Model();
        var image = new Option<string>("--image", "-i") { Description = "image file", Required = true };
        var format = new Option<string>("--format", "-f") { Description = "text | markdown | html | json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "markdown", "html", "json");
        var maxTokens = new Option<int>("--max-tokens") { Description = "most new tokens", DefaultValueFactory = _ => 2048 };
        var minPixels = new Option<long?>("--min-pixels") { Description = "smallest resized image area" };
        var maxPixels = new Option<long?>("--max-pixels") { Description = "largest resized image area" };
        Option<bool> json = CommonOptions.Json("print {\"format\",\"text\",\"blocks\":[{\"kind\",\"class\",\"text\",\"bbox\"}],\"skipped\",\"image\"}");
        Option<int> threads = CommonOptions.Threads();
        Option<string> backend = CommonOptions.Backend();
        var command = new Command("ocr", "read the text of an image (plain, QwenVL Markdown/HTML, or JSON lines with boxes)")
        {
            model, image, format, maxTokens, minPixels, maxPixels, json, threads, backend,
        };
        command.SetAction((p, ct) => CliErrors.Guard(async () =>
        {
            OcrFormat f = Enum.Parse<OcrFormat>(p.GetValue(format)!, ignoreCase: true);
            using InferenceEngine engine = InferenceEngine.Load(await HubCommands.ResolveFolderAsync(p, p.GetValue(model)!, ct),
                new ModelLoadOptions { Threads = p.GetValue(threads), Backend = p.GetValue(backend)! });
            ModelFamily family = GroundingOutput.FamilyOfModel(engine.Model.Info.ModelType);
            ModelAnswer answer = await ModelAnswer.AskAsync(engine, p.GetValue(image)!, Prompts.Ocr(family, f),
                p.GetValue(maxTokens), p.GetValue(minPixels), p.GetValue(maxPixels), ct);
            if (!p.GetValue(json))
            {
                Console.Out.WriteLine(answer.Text);
                return 0;
            }
            DocumentResult document = DocumentParser.Parse(answer.Text, f, family, answer.Frame);
            JsonObject result = AnnotationJson.ToJson(document);
            result["format"] = f.ToString().ToLowerInvariant();
            result["text"] = answer.Text;
            result["finish_reason"] = answer.Finish;
            result["image"] = new JsonObject
            {
                ["width"] = answer.Frame.Width,
                ["height"] = answer.Frame.Height,
                ["resized_width"] = answer.Frame.ResizedWidth,
                ["resized_height"] = answer.Frame.ResizedHeight,
            };
            Console.Out.WriteLine(GroundingOutput.Compact(result));
            foreach (string reason in document.SkipReasons)
            {
                Console.Error.WriteLine("qwenvl: skipped: " + reason);
            }
            return 0;
        }));
        return command;
    }
}
