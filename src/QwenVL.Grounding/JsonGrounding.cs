// Reads the JSON grounding convention of Qwen2.5-VL and Qwen3-VL out of free text: every complete
// object with bbox_2d (4 numbers: box; 8 numbers: quad), point_2d, quad / quad_2d / polygon, wherever
// it sits (code fence, prose, nested list). Incomplete or malformed objects that mention a coordinate
// key are counted as skipped with a reason; other JSON (key-value answers) is ignored, not skipped.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenVL.Grounding;

/// <summary>JSON annotation reader.</summary>
public static class JsonGrounding
{
    private static readonly string[] CoordinateKeys = ["bbox_2d", "point_2d", "quad_2d", "quad", "polygon", "bbox"];
    private static readonly string[] LabelKeys = ["label", "text_content", "text", "name", "category"];

    /// <summary>All annotations in <paramref name="text"/>, numbers read in <paramref name="space"/> of <paramref name="frame"/>.</summary>
    public static AnnotationSet Parse(string text, ImageFrame frame, CoordinateSpace space)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(frame);
        var sink = new Sink(frame, space);
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c is not ('{' or '['))
            {
                i++;
                continue;
            }
            if (LenientJson.TryParseAt(text, i, out JsonNode? node, out int end))
            {
                sink.Walk(node, 0);
                i = end;
                continue;
            }
            if (c == '{')
            {
                // A failed object is only "skipped" if the part before the next object mentions a coordinate
                // key: an outer wrapper ({"objects": [ ...) fails too when the answer is cut, but its
                // complete inner objects are recovered on the following iterations.
                int next = text.IndexOf('{', i + 1);
                string own = text[i..(next < 0 ? text.Length : next)];
                if (CoordinateKeys.Any(k => own.Contains(k, StringComparison.Ordinal)))
                {
                    sink.Skip($"unfinished or malformed JSON object at character {i}: {Excerpt(own)}");
                }
            }
            i++;
        }
        return sink.Result();
    }

    private static string Excerpt(string s)
    {
        string flat = s.ReplaceLineEndings(" ").Trim();
        return flat.Length <= 60 ? flat : flat[..57] + "...";
    }

    private sealed class Sink(ImageFrame frame, CoordinateSpace space)
    {
        private readonly List<AnnotatedBox> _boxes = [];
        private readonly List<AnnotatedPoint> _points = [];
        private readonly List<AnnotatedQuad> _quads = [];
        private readonly List<string> _skipped = [];

        public void Skip(string reason) => _skipped.Add(reason);

        public AnnotationSet Result() => new(_boxes, _points, _quads, _skipped);

        public void Walk(JsonNode? node, int depth)
        {
            if (depth > 16)
            {
                return;
            }
            switch (node)
            {
                case JsonArray array:
                    foreach (JsonNode? item in array)
                    {
                        Walk(item, depth + 1);
                    }
                    break;
                case JsonObject obj:
                    if (!TryItem(obj))
                    {
                        foreach (KeyValuePair<string, JsonNode?> kv in obj)
                        {
                            Walk(kv.Value, depth + 1);
                        }
                    }
                    break;
            }
        }

        // True when the object is an annotation (used or skipped); false for other objects to descend into.
        private bool TryItem(JsonObject obj)
        {
            string? key = CoordinateKeys.FirstOrDefault(obj.ContainsKey);
            if (key is null)
            {
                return false;
            }
            string label = Label(obj);
            double[]? v = Numbers(obj[key]);
            if (v is null)
            {
                Skip($"\"{key}\" of \"{label}\" is not a list of numbers: {Excerpt(obj[key]?.ToJsonString() ?? "null")}");
                return true;
            }
            bool point = key == "point_2d";
            switch (v.Length)
            {
                case 2 when point:
                    _points.Add(new AnnotatedPoint(label, frame.MapX(v[0], space), frame.MapY(v[1], space)));
                    return true;
                case 4 when !point:
                    double x1 = frame.MapX(v[0], space), y1 = frame.MapY(v[1], space);
                    double x2 = frame.MapX(v[2], space), y2 = frame.MapY(v[3], space);
                    _boxes.Add(new AnnotatedBox(label, Math.Min(x1, x2), Math.Min(y1, y2), Math.Max(x1, x2), Math.Max(y1, y2)));
                    return true;
                case 8 when !point:
                    _quads.Add(new AnnotatedQuad(label, [.. v.Select((n, i) => i % 2 == 0 ? frame.MapX(n, space) : frame.MapY(n, space))]));
                    return true;
                default:
                    Skip($"\"{key}\" of \"{label}\" has {v.Length} numbers; expected {(point ? "2" : "4 (box) or 8 (quad)")}");
                    return true;
            }
        }

        private static string Label(JsonObject obj)
        {
            foreach (string k in LabelKeys)
            {
                if (obj[k] is JsonValue v)
                {
                    return v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
                }
            }
            return "";
        }

        // A flat list of numbers, or of numeric strings ("12"), or a list of [x, y] pairs (polygons).
        private static double[]? Numbers(JsonNode? node)
        {
            if (node is not JsonArray array)
            {
                return null;
            }
            var result = new List<double>();
            foreach (JsonNode? item in array)
            {
                if (item is JsonArray pair && Numbers(pair) is { Length: 2 } xy)
                {
                    result.AddRange(xy);
                }
                else if (item is JsonValue v && Number(v) is double d)
                {
                    result.Add(d);
                }
                else
                {
                    return null;
                }
            }
            return [.. result];
        }

        private static double? Number(JsonValue v) => v.GetValueKind() switch
        {
            JsonValueKind.Number => v.GetValue<double>(),
            JsonValueKind.String when double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) => d,
            _ => null,
        };
    }
}
