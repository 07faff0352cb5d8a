// KvCache's head-major layout: rows written token-major land in each head's own run at their
// position, a prefix copy keeps every head's tokens, and writes past the capacity are refused.
using QwenVL.Models.Text;

namespace QwenVL.Models.Tests;

public class KvCacheTests
{
    [Fact]
    public void Write_TokenMajorRows_LandHeadMajorAtTheirPositions()
    {
        // 2 layers, 3 KV heads of 2 floats, room for 4 tokens; tokens 1 and 2 of layer 1 written.
        var cache = new KvCache(layers: 2, kvHeads: 3, headDim: 2, capacity: 4);
        float[] k = [10, 11, 20, 21, 30, 31, /* token 2 */ 12, 13, 22, 23, 32, 33];
        float[] v = [.. k.Select(x => -x)];
        cache.Write(1, 1, k, v, rows: 2);

        Assert.Equal(8, cache.HeadStride);
        // Head g's run is [g·8, g·8 + 8): token t at g·8 + 2t.
        float[] expected =
        [
            0, 0, 10, 11, 12, 13, 0, 0,
            0, 0, 20, 21, 22, 23, 0, 0,
            0, 0, 30, 31, 32, 33, 0, 0,
        ];
        Assert.Equal(expected, cache.Keys[1]);
        Assert.Equal(expected.Select(x => -x), cache.Values[1]);
        Assert.All(cache.Keys[0], x => Assert.Equal(0f, x));
    }

    [Fact]
    public void CopyPrefixTo_LargerCache_KeepsEveryHeadsFirstTokens()
    {
        var cache = new KvCache(layers: 1, kvHeads: 2, headDim: 3, capacity: 3);
        float[] rows = [.. Enumerable.Range(1, 3 * 6).Select(i => (float)i)]; // token t, head g, element e: 6t + 3g + e + 1
        cache.Write(0, 0, rows, rows, rows: 3);
        cache.Length = 3;
        var copy = new KvCache(layers: 1, kvHeads: 2, headDim: 3, capacity: 5);

        cache.CopyPrefixTo(copy, 2);

        // copy head 1 starts at 15: tokens 0 and 1 of head 1 are 4, 5, 6 and 10, 11, 12; token 2 is not copied.
        Assert.Equal([1f, 2f, 3f, 7f, 8f, 9f, 0f, 0f, 0f], copy.Keys[0].AsSpan(0, 9).ToArray());
        Assert.Equal([4f, 5f, 6f, 10f, 11f, 12f, 0f, 0f, 0f], copy.Values[0].AsSpan(15, 9).ToArray());
    }

    [Fact]
    public void Write_PastCapacity_IsRefusedWithTheTokens()
    {
        var cache = new KvCache(layers: 1, kvHeads: 1, headDim: 2, capacity: 3);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => cache.Write(0, 2, new float[4], new float[4], rows: 2));
        Assert.Contains("tokens 2..4 do not fit its capacity of 3", error.Message);
    }

    [Fact]
    public void CopyPrefixTo_SmallerCache_IsRefused()
    {
        var cache = new KvCache(layers: 1, kvHeads: 1, headDim: 2, capacity: 4) { Length = 4 };
        var error = Assert.Throws<ArgumentException>(() => cache.CopyPrefixTo(new KvCache(1, 1, 2, capacity: 3), 4));
        Assert.Contains("capacity 3", error.Message);
    }
}
