// `qwenvl annotate`: reads a model answer from any source (this engine, DashScope, a log file) and
// turns it into boxes/points/quads in the original image's pixels, printed or drawn into a PNG.
// It needs no model: the family names the convention and --resized (or smart_resize) the frame.
using System.CommandLine;
using QwenVL.Grounding;
using QwenVL.Imaging;

namespace QwenVL.Cli.Commands.Grounding;

/// <summary>The annotate command.</summary>
public static class AnnotateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var image = new Option<string>("--image", "-i") { Description = "the image the answer refers to", Required = true };
        var family = new Option<string>("--family") { Description = "qwen2-vl | qwen2.5-vl | qwen3-vl: the coordinate convention", Required = true };
        var text = new Option<string>("--text", "-t") { Description = "the model answer, or @FILE to read it from a file", Required = true };
        var resized = new Option<string?>("--resized") { Description = "WxH the model saw (Qwen2.5-VL pixels); default: smart_resize of the image" };
        var minPixels = new Option<long?>("--min-pixels") { Description = "smart_resize min_pixels (default: the family's hub value)" };
        var maxPixels = new Option<long?>("--max-pixels") { Description = "smart_resize max_pixels (default: the family's hub value)" };
        var output = new Option<string?>("--out", "-o") { Description = "write the annotated image to this PNG" };
        var font = new Option<string?>("--font") { Description = "TTF/OTF/TTC font for labels (default: an installed font that covers them)" };
        Option<bool> json = CommonOptions.Json("print {\"boxes\",\"points\",\"quads\",\"skipped\"} in original-image pixels");
        var command = new Command("annotate", "read boxes/points from a model answer and draw them on its image (no model needed)")
        {
            image, family, text, resized, minPixels, maxPixels, output, font, json,
        };
        command.SetAction((p, ct) => CliErrors.Guard(() =>
        {
            ModelFamily f = GroundingOutput.ParseFamily(p.GetValue(family));
            string answer = ReadText(p.GetValue(text)!);
            RgbImage picture = ImageDecoder.DecodeFile(p.GetValue(image)!);
            ImageFrame frame;
            if (p.GetValue(resized) is string size)
            {
                (int w, int h) = GroundingOutput.ParseSize(size, "--resized");
                frame = new ImageFrame(picture.Width, picture.Height, w, h);
            }
            else
            {
                frame = ImageFrame.FromSmartResize(f, picture.Width, picture.Height, p.GetValue(minPixels), p.GetValue(maxPixels));
            }
            AnnotationSet set = GroundingParser.Parse(answer, f, frame);
            GroundingOutput.Print(set, p.GetValue(json));
            if (p.GetValue(output) is string outPath)
            {
                GroundingOutput.Render(picture, set, outPath, p.GetValue(font));
            }
            return Task.FromResult(0);
        }));
        return command;
    }

    private static string ReadText(string value)
    {
        if (!value.StartsWith('@'))
        {
            return value;
        }
        string path = value[1..];
        if (!File.Exists(path))
        {
            throw new CliUsageException($"--text {value}: file {path} not found");
        }
        return File.ReadAllText(path);
    }
}
