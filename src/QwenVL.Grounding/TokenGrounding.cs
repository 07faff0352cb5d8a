// Reads the special-token grounding convention of Qwen2-VL (spec §5.2) and its 2023 Qwen-VL tag form
// (§5.1): <|object_ref_start|>label<|object_ref_end|> followed by any number of
// <|box_start|>(x1,y1),(x2,y2)<|box_end|> or <|quad_start|>(x,y)x4<|quad_end|>, numbers 0-1000 of the
// image side. A ref with no box is an ordinary mention, not an error; an unclosed box is skipped.
using System.Globalization;
using System.Text.RegularExpressions;

namespace QwenVL.Grounding;

/// <summary>Special-token annotation reader.</summary>
public static partial class TokenGrounding
{
    // One alternation so refs, boxes and quads are seen in text order. Groups: ref, box, quad, open.
    [GeneratedRegex(@"(?:<\|object_ref_start\|>|<ref>)(?<ref>[\s\S]*?)(?:<\|object_ref_end\|>|</ref>)"
        + @"|(?:<\|box_start\|>|<box>)(?<box>[\s\S]*?)(?:<\|box_end\|>|</box>)"
        + @"|(?:<\|quad_start\|>|<quad>)(?<quad>[\s\S]*?)(?:<\|quad_end\|>|</quad>)"
        + @"|(?<open><\|box_start\|>|<box>|<\|quad_start\|>|<quad>)")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex NumberPattern();

    // Tokens stripped by a decoder that skips special tokens: "the car(701,531),(869,675)".
    [GeneratedRegex(@"(?<label>[^\n()\[\]{}.,;:<>]{1,60})?\(\s*(?<x1>\d+(?:\.\d+)?)\s*,\s*(?<y1>\d+(?:\.\d+)?)\s*\)\s*,\s*\(\s*(?<x2>\d+(?:\.\d+)?)\s*,\s*(?<y2>\d+(?:\.\d+)?)\s*\)")]
    private static partial Regex BarePattern();

    /// <summary>True when <paramref name="text"/> holds any grounding token or tag.</summary>
    public static bool HasTokens(string text) => TokenPattern().IsMatch(text);

    /// <summary>All token-form annotations; numbers are 0-1000 relative to the original image.</summary>
    public static AnnotationSet Parse(string text, ImageFrame frame)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(frame);
        var boxes = new List<AnnotatedBox>();
        var quads = new List<AnnotatedQuad>();
        var skipped = new List<string>();
        string label = "";
        int labelEnd = -1;
        foreach (Match m in TokenPattern().Matches(text))
        {
            if (m.Groups["ref"].Success)
            {
                label = m.Groups["ref"].Value.Trim();
                labelEnd = m.Index + m.Length;
                continue;
            }
            // A box belongs to the ref right before it when only whitespace, commas or other boxes lie between.
            string own = labelEnd >= 0 && Gap(text, labelEnd, m.Index) ? label : "";
            if (m.Groups["open"].Success)
            {
                skipped.Add($"{m.Value} at character {m.Index} is never closed (truncated answer?)");
                continue;
            }
            bool isQuad = m.Groups["quad"].Success;
            double[] v = [.. NumberPattern().Matches(isQuad ? m.Groups["quad"].Value : m.Groups["box"].Value)
                .Select(n => double.Parse(n.Value, CultureInfo.InvariantCulture))];
            int expected = isQuad ? 8 : 4;
            if (v.Length != expected)
            {
                skipped.Add($"{(isQuad ? "quad" : "box")} of \"{own}\" at character {m.Index} has {v.Length} numbers; expected {expected}");
            }
            else if (isQuad)
            {
                quads.Add(new AnnotatedQuad(own, [.. v.Select((n, i) => i % 2 == 0 ? frame.MapX(n, CoordinateSpace.Relative1000) : frame.MapY(n, CoordinateSpace.Relative1000))]));
            }
            else
            {
                boxes.Add(Box(own, v, frame));
            }
            labelEnd = own.Length > 0 ? m.Index + m.Length : -1;
        }
        return new AnnotationSet(boxes, [], quads, skipped);
    }

    /// <summary>The stripped form "label(x1,y1),(x2,y2)" (0-1000); used only when nothing else was found.</summary>
    public static AnnotationSet ParseBare(string text, ImageFrame frame)
    {
        ArgumentNullException.ThrowIfNull(text);
        var boxes = new List<AnnotatedBox>();
        foreach (Match m in BarePattern().Matches(text))
        {
            double[] v = [.. new[] { "x1", "y1", "x2", "y2" }.Select(g => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture))];
            boxes.Add(Box(m.Groups["label"].Value.Trim(), v, frame));
        }
        return new AnnotationSet(boxes, [], [], []);
    }

    private static AnnotatedBox Box(string label, double[] v, ImageFrame frame)
    {
        double x1 = frame.MapX(v[0], CoordinateSpace.Relative1000), y1 = frame.MapY(v[1], CoordinateSpace.Relative1000);
        double x2 = frame.MapX(v[2], CoordinateSpace.Relative1000), y2 = frame.MapY(v[3], CoordinateSpace.Relative1000);
        return new AnnotatedBox(label, Math.Min(x1, x2), Math.Min(y1, y2), Math.Max(x1, x2), Math.Max(y1, y2));
    }

    private static bool Gap(string text, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            if (!char.IsWhiteSpace(text[i]) && text[i] is not (',' or ';'))
            {
                return false;
            }
        }
        return true;
    }
}
