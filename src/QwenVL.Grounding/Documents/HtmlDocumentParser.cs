// Reads QwenVL HTML (the document-parsing output of Qwen2.5-VL / Qwen3-VL, spec §5.3-5.4): every
// element carrying data-bbox="x1 y1 x2 y2" becomes a block with its flattened text. It is a tolerant
// scanner, not an HTML parser: no DOM, no CSS, no scripts; a truncated element runs to the end.
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace QwenVL.Grounding.Documents;

/// <summary>QwenVL HTML to blocks.</summary>
public static partial class HtmlDocumentParser
{
    [GeneratedRegex(@"<(?<tag>[a-zA-Z][\w-]*)(?<attrs>[^<>]*?\bdata-bbox\s*=\s*[""'](?<bbox>[^""']*)[""'][^<>]*?)(?<self>/?)>")]
    private static partial Regex BoxedElement();

    [GeneratedRegex(@"\bclass\s*=\s*[""'](?<c>[^""']*)[""']")]
    private static partial Regex ClassAttribute();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex AnyTag();

    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex Number();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    /// <summary>Blocks of <paramref name="html"/>; bbox numbers are read in <paramref name="space"/>.</summary>
    public static DocumentResult Parse(string html, ImageFrame frame, CoordinateSpace space)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(frame);
        var blocks = new List<DocumentBlock>();
        var skipped = new List<string>();
        foreach (Match m in BoxedElement().Matches(html))
        {
            string tag = m.Groups["tag"].Value.ToLowerInvariant();
            string? cls = ClassAttribute().Match(m.Groups["attrs"].Value) is { Success: true } c ? c.Groups["c"].Value : null;
            double[] v = [.. Number().Matches(m.Groups["bbox"].Value).Select(n => double.Parse(n.Value, CultureInfo.InvariantCulture))];
            string text = m.Groups["self"].Value == "/" || tag is "img" or "br" or "hr" ? "" : InnerText(html, tag, m.Index + m.Length);
            if (v.Length != 4)
            {
                skipped.Add($"<{tag}> at character {m.Index}: data-bbox \"{m.Groups["bbox"].Value}\" has {v.Length} numbers; expected 4");
                continue;
            }
            double x1 = frame.MapX(v[0], space), y1 = frame.MapY(v[1], space), x2 = frame.MapX(v[2], space), y2 = frame.MapY(v[3], space);
            var box = new AnnotatedBox(cls ?? tag, Math.Min(x1, x2), Math.Min(y1, y2), Math.Max(x1, x2), Math.Max(y1, y2));
            blocks.Add(new DocumentBlock(tag, text, box, cls));
        }
        return new DocumentResult(blocks, skipped);
    }

    /// <summary>Text of the element opened just before <paramref name="start"/>, up to its matching close tag (or the end).</summary>
    private static string InnerText(string html, string tag, int start)
    {
        var open = new Regex($@"<{Regex.Escape(tag)}\b|</{Regex.Escape(tag)}\s*>", RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));
        int depth = 1;
        int end = html.Length;
        for (Match m = open.Match(html, start); m.Success; m = m.NextMatch())
        {
            depth += m.Value.StartsWith("</", StringComparison.Ordinal) ? -1 : 1;
            if (depth == 0)
            {
                end = m.Index;
                break;
            }
        }
        string inner = html[start..end];
        // Block-level closes become spaces so "<td>a</td><td>b</td>" reads "a b", not "ab".
        string flat = AnyTag().Replace(inner, " ");
        return Spaces().Replace(WebUtility.HtmlDecode(flat), " ").Trim();
    }
}
