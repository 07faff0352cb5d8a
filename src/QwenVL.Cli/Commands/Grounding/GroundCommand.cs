// `qwenvl ground`: asks the model where something is with its generation's official grounding
// prompt, parses the answer into original-image pixels, prints it (JSON with --json) and optionally
// draws it into a PNG. The model's config.json model_type picks the family and so the convention.
using System.CommandLine;
using QwenVL.Engine;
using QwenVL.Grounding;
using QwenVL.Imaging;
using QwenVL.Models;

namespace QwenVL.Cli.Commands.Grounding;

/// <summary>The ground command.</summary>
public static class GroundCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<string> model = CommonOptions.Model();
        var image = new Option<string>("--image", "-i") { Description = "image file", Required = true };
        var query = new Option<string>("--query", "-q") { Description = "what to find, e.g. \"the red car\"", Required = true };
        var output = new Option<string?>("--out", "-o") { Description = "write the annotated image to this PNG" };
        var font = new Option<string?>("--font") { Description = "TTF/OTF/TTC font for labels" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "most new tokens", DefaultValueFactory = _ => 512 };
        var minPixels = new Option<long?>("--min-pixels") { Description = "smallest resized image area" };
        var maxPixels = new Option<long?>("--max-pixels") { Description = "largest resized image area" };
        Option<bool> json = CommonOptions.Json("print {\"boxes\",\"points\",\"quads\",\"skipped\"} in original-image pixels");
        Option<int> threads = CommonOptions.Threads();
        Option<string> backend = CommonOptions.Backend();
        var command = new Command("ground", "find objects with the model's grounding prompt; boxes in original-image pixels")
        {
            model, image, query, output, font, maxTokens, minPixels, maxPixels, json, threads, backend,
        };
        command.SetAction((p, ct) => CliErrors.Guard(async () =>
        {
            string imagePath = p.GetValue(image)!;
            if (string.IsNullOrWhiteSpace(p.GetValue(query)))
            {
                throw new CliUsageException("--query must not be empty");
            }
            using InferenceEngine engine = InferenceEngine.Load(await HubCommands.ResolveFolderAsync(p, p.GetValue(model)!, ct),
                new ModelLoadOptions { Threads = p.GetValue(threads), Backend = p.GetValue(backend)! });
            ModelFamily family = GroundingOutput.FamilyOfModel(engine.Model.Info.ModelType);
            var prompt = new PromptPair(null, Prompts.Grounding(family, p.GetValue(query)!));
            ModelAnswer answer = await ModelAnswer.AskAsync(engine, imagePath, prompt, p.GetValue(maxTokens), p.GetValue(minPixels), p.GetValue(maxPixels), ct);
            AnnotationSet set = GroundingParser.Parse(answer.Text, family, answer.Frame);
            if (!p.GetValue(json))
            {
                Console.Out.WriteLine(answer.Text);
            }
            GroundingOutput.Print(set, p.GetValue(json));
            if (p.GetValue(output) is string outPath)
            {
                GroundingOutput.Render(ImageDecoder.DecodeFile(imagePath), set, outPath, p.GetValue(font));
            }
            return 0;
        }));
        return command;
    }
}
