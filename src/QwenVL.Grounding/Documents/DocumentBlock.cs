// One block of a parsed document (heading, paragraph, table, image, text line) with its box in
// original-image pixels when the model gave one. It deliberately keeps only plain text: markup
// inside a block (bold, table cells, LaTeX) is flattened, not interpreted.
namespace QwenVL.Grounding.Documents;

/// <summary>A document block: <paramref name="Kind"/> is the HTML tag ("h1", "p", "table", "div"), "image", "table", "list" or "line".</summary>
public sealed record DocumentBlock(string Kind, string Text, AnnotatedBox? Box, string? Class = null);

/// <summary>The blocks of one answer and what could not be read.</summary>
public sealed record DocumentResult(IReadOnlyList<DocumentBlock> Blocks, IReadOnlyList<string> SkipReasons)
{
    /// <summary>Blocks dropped (a data-bbox without 4 numbers, for instance).</summary>
    public int Skipped => SkipReasons.Count;
}
