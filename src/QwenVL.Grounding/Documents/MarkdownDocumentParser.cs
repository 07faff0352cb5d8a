// Reads QwenVL Markdown (spec §5.4): headings, paragraphs, lists and tables separated by blank lines,
// with coordinates only in HTML comments: "<!-- Image (x1, y1, x2, y2) -->" stands for a picture, and
// any other "<!-- Kind (...) -->" (Table, in practice) gives the box of the block that follows. Blocks
// without a comment have no box. It deliberately does not render or validate Markdown or LaTeX.
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace QwenVL.Grounding.Documents;

/// <summary>QwenVL Markdown to blocks.</summary>
public static partial class MarkdownDocumentParser
{
    [GeneratedRegex(@"^\s*<!--\s*(?<kind>[A-Za-z][\w ]*?)\s*\((?<nums>[^)]*)\)\s*-->\s*$")]
    private static partial Regex BoxComment();

    [GeneratedRegex(@"^(?<hashes>#{1,6})\s+(?<text>.*)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex Number();

    /// <summary>Blocks of <paramref name="markdown"/>; comment numbers are read in <paramref name="space"/>.</summary>
    public static DocumentResult Parse(string markdown, ImageFrame frame, CoordinateSpace space)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ArgumentNullException.ThrowIfNull(frame);
        var blocks = new List<DocumentBlock>();
        var skipped = new List<string>();
        var paragraph = new StringBuilder();
        AnnotatedBox? pendingBox = null;
        string? pendingKind = null;
        int lineNo = 0;

        void Flush()
        {
            if (paragraph.Length == 0)
            {
                return;
            }
            string text = paragraph.ToString().Trim();
            paragraph.Clear();
            string first = text.TrimStart();
            string kind = pendingKind ?? (first.StartsWith('|') || first.StartsWith("\\begin{tabular}", StringComparison.Ordinal) ? "table"
                : first.Length > 1 && (first[0] is '-' or '*' or '+') && first[1] == ' ' ? "list" : "p");
            blocks.Add(new DocumentBlock(kind, text, pendingBox));
            pendingBox = null;
            pendingKind = null;
        }

        foreach (string raw in markdown.ReplaceLineEndings("\n").Split('\n'))
        {
            lineNo++;
            string line = raw.TrimEnd();
            if (BoxComment().Match(line) is { Success: true } c)
            {
                Flush();
                string kind = c.Groups["kind"].Value.Trim().ToLowerInvariant();
                double[] v = [.. Number().Matches(c.Groups["nums"].Value).Select(n => double.Parse(n.Value, CultureInfo.InvariantCulture))];
                if (v.Length != 4)
                {
                    skipped.Add($"line {lineNo}: <!-- {c.Groups["kind"].Value} --> has {v.Length} numbers; expected 4");
                    continue;
                }
                double x1 = frame.MapX(v[0], space), y1 = frame.MapY(v[1], space), x2 = frame.MapX(v[2], space), y2 = frame.MapY(v[3], space);
                var box = new AnnotatedBox(kind, Math.Min(x1, x2), Math.Min(y1, y2), Math.Max(x1, x2), Math.Max(y1, y2));
                if (kind == "image")
                {
                    blocks.Add(new DocumentBlock("image", "", box));
                }
                else
                {
                    pendingBox = box;
                    pendingKind = kind;
                }
                continue;
            }
            if (line.Trim().Length == 0)
            {
                Flush();
                continue;
            }
            if (Heading().Match(line) is { Success: true } h)
            {
                Flush();
                blocks.Add(new DocumentBlock("h" + h.Groups["hashes"].Length.ToString(CultureInfo.InvariantCulture), h.Groups["text"].Value.Trim(), pendingBox));
                pendingBox = null;
                pendingKind = null;
                continue;
            }
            paragraph.Append(line).Append('\n');
        }
        Flush();
        return new DocumentResult(blocks, skipped);
    }
}
