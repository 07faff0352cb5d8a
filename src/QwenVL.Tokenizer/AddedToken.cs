// An entry of tokenizer.json "added_tokens": public identity (id, content, special) plus the matching
// flags that only the matcher needs. It deliberately carries no vocabulary or BPE state.
namespace QwenVL.Tokenizer;

/// <summary>A token matched verbatim in the input before BPE (e.g. <c>&lt;|im_start|&gt;</c>, <c>&lt;tool_call&gt;</c>).</summary>
public sealed record AddedToken(int Id, string Content, bool Special);

/// <summary>Matching flags of an added token, as in HF <c>AddedToken</c>.</summary>
/// <param name="SingleWord">Only match when not inside a word (no word char on either side).</param>
/// <param name="LStrip">Swallow whitespace on the left into the token.</param>
/// <param name="RStrip">Swallow whitespace on the right into the token.</param>
/// <param name="Normalized">Match against the NFC-normalized text instead of the raw text.</param>
internal sealed record AddedTokenSpec(AddedToken Token, bool SingleWord, bool LStrip, bool RStrip, bool Normalized);
