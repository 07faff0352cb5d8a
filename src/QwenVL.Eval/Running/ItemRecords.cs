// Converts between a benchmark item + the model's reply and the scorer's PredictionRecord, and reads
// a results file back for scoring. RefCOCO items get the family, original and resized image sizes
// and the pixel limits the scorer needs to map boxes back to the original image.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using QwenVL.Eval.Data;
using QwenVL.Eval.Prompts;
using QwenVL.Eval.Scoring;
using QwenVL.Imaging;

namespace QwenVL.Eval.Running;

/// <summary>Item/record conversions.</summary>
public static class ItemRecords
{
    /// <summary>The record written for <paramref name="item"/>; a null reply (failed item) gives an empty prediction.</summary>
    public static PredictionRecord ToRecord(BenchmarkItem item, EvalReply? reply, EvalRunOptions options, PixelLimits pixels)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(options);
        var extra = new Dictionary<string, string>(item.Extra, StringComparer.Ordinal);
        bool refcoco = BenchmarkInfo.Get(options.Benchmark).Kind == BenchmarkKind.RefCoco;
        (int, int)? size = item.ImageSize, resized = null;
        string? family = null;
        if (refcoco)
        {
            extra["min_pixels"] = pixels.Min.ToString(CultureInfo.InvariantCulture);
            extra["max_pixels"] = pixels.Max.ToString(CultureInfo.InvariantCulture);
            // lmms-eval's prompt asks for normalised floats, so its boxes are not in the family's native convention.
            family = options.Mode == "lmms-eval" ? null : options.Family;
            resized = reply?.ResizedSizes is { Count: > 0 } rs ? rs[0] : null;
            if (size is null && item.Images.Count > 0)
            {
                try { var img = ImageDecoder.Decode(item.Images[0].GetBytes(), $"row {item.Row} image"); size = (img.Width, img.Height); }
                catch (Exception e) when (e is ImageException or FormatException) { size = null; }
            }
        }
        return new PredictionRecord(item.Id, reply?.Text ?? "", item.Answers)
        {
            Choices = item.Options.Count > 0 ? item.Options.ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal) : null,
            Group = item.Group,
            ImageSize = size,
            Family = family,
            ResizedSize = resized,
            QuestionType = item.QuestionType,
            Extra = extra.Count > 0 ? extra : null,
        };
    }

    /// <summary>Every parsable line of a results file: the record, its prompt id and whether it is a failure.</summary>
    public static IEnumerable<(PredictionRecord Record, string? PromptId, bool Failed)> ReadBack(string path)
    {
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            PredictionRecord record;
            JsonNode? node;
            try { record = PredictionJsonl.Parse(line); node = JsonNode.Parse(line); }
            catch (Exception e) when (e is FormatException or JsonException) { continue; }
            string? promptId = node?["prompt_id"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            yield return (record, promptId, node?["error"] is not null);
        }
    }
}
