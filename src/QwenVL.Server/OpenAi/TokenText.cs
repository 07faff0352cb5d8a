// Token ids → the `token` string and `bytes` list OpenAI's logprobs carry. A byte-level BPE token can
// end inside a UTF-8 sequence, so bytes come from undoing the GPT-2 byte↔char mapping of the vocab
// entry (the public bytes_to_unicode table), not from decoded text; added tokens are their own text.
using System.Text;
using QwenVL.Engine.Generation;
using QwenVL.Tokenizer;

namespace QwenVL.Server.OpenAi;

/// <summary>Maps token ids to logprob entries.</summary>
internal static class TokenText
{
    private static readonly int[] CharToByte = BuildCharToByte();

    public static TokenLogprob Entry(Qwen2Tokenizer tokenizer, int id, TokenLogprobs lp) =>
        new(Text(tokenizer, id, out int[] bytes), Clamp(lp.Logprob), bytes,
            [.. lp.Top.Select(t => new TopLogprob(Text(tokenizer, t.Id, out int[] b), Clamp(t.Logprob), b))]);

    private static string Text(Qwen2Tokenizer tokenizer, int id, out int[] bytes)
    {
        string? raw = tokenizer.IdToToken(id);
        if (raw is null || tokenizer.AddedTokens.Any(a => a.Id == id))
        {
            string text = raw ?? tokenizer.Decode([id]);
            bytes = [.. Encoding.UTF8.GetBytes(text).Select(b => (int)b)];
            return text;
        }
        var list = new List<int>(raw.Length);
        foreach (char c in raw)
        {
            int b = c < CharToByte.Length ? CharToByte[c] : -1;
            if (b < 0)
            {
                // Not a byte-level entry after all: fall back to its UTF-8.
                bytes = [.. Encoding.UTF8.GetBytes(raw).Select(x => (int)x)];
                return raw;
            }
            list.Add(b);
        }
        bytes = [.. list];
        // Lossy on purpose for partial UTF-8 (U+FFFD), as OpenAI's own token strings are; bytes stay exact.
        return Encoding.UTF8.GetString([.. list.Select(x => (byte)x)]);
    }

    // JSON has no -Infinity; OpenAI reports impossible tokens as -9999.
    private static float Clamp(float logprob) => float.IsFinite(logprob) ? Math.Max(logprob, -9999f) : -9999f;

    private static int[] BuildCharToByte()
    {
        // GPT-2 bytes_to_unicode: printable Latin-1 bytes map to themselves, the other 68 to 256 + n.
        var map = new int[0x144];
        Array.Fill(map, -1);
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[printable ? b : 256 + n++] = b;
        }
        return map;
    }
}
