// One 64-bit key per prompt position saying what the KV cache holds there: the token id for text,
// and (image identity, index in image) for image placeholders, whose ids are all the same. Two
// prompts can share cached keys and values exactly as far as their content keys agree, because a
// position's K/V (M-RoPE positions included) depend only on the content before it.
using System.Security.Cryptography;
using System.Text;

namespace QwenVL.Engine.Caching;

/// <summary>Builds and compares content keys.</summary>
public static class ContentKeys
{
    private const ulong ImageBit = 1UL << 63;

    /// <summary>Keys for <paramref name="tokens"/>, where each image-pad run belongs to the next of <paramref name="imageKeys"/>.</summary>
    public static ulong[] For(ReadOnlySpan<int> tokens, int imagePad, IReadOnlyList<string> imageKeys, IReadOnlyList<int> imageTokenCounts)
    {
        var keys = new ulong[tokens.Length];
        int image = 0, inImage = 0;
        ulong imageHash = 0;
        for (int i = 0; i < tokens.Length; i++)
        {
            if (tokens[i] != imagePad)
            {
                keys[i] = (uint)tokens[i];
                continue;
            }
            if (inImage == 0)
            {
                imageHash = Hash(imageKeys[image]) & ~ImageBit;
            }
            keys[i] = ImageBit | ((imageHash + (ulong)inImage * 0x9E3779B97F4A7C15UL) & ~ImageBit);
            if (++inImage == imageTokenCounts[image])
            {
                image++;
                inImage = 0;
            }
        }
        return keys;
    }

    /// <summary>Length of the common prefix of two key sequences.</summary>
    public static int CommonPrefix(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b) => a.CommonPrefixLength(b);

    private static ulong Hash(string s) => BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(s)), 0);
}
