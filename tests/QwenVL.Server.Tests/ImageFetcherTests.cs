// The image fetcher alone: address classification, the check repeated on a redirect hop (the image
// host on 127.0.0.1 is allowed by a test policy, its redirect to 10.1.2.3 is not, and is refused
// before any connect), the total timeout, and the byte cap.
using System.Net;

namespace QwenVL.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class ImageFetcherTests(ServerFixture fx)
{
    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("1.1.1.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.255.0.9", false)]
    [InlineData("10.20.30.40", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fc00::1", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:169.254.169.254", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("::127.0.0.1", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("2002:c0a8:0101::1", false)]
    [InlineData("ff02::1", false)]
    public void IsPublic_Address_Classified(string address, bool expected) =>
        Assert.Equal(expected, Images.AddressPolicy.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public async Task Fetch_RedirectToPrivateAddress_RefusedOnThatHop()
    {
        // Loopback is allowed for the first hop only so that the test's image host can answer.
        using var fetcher = new Images.ImageFetcher(1 << 20, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), 3,
            ip => IPAddress.IsLoopback(ip) || Images.AddressPolicy.IsPublic(ip));
        var e = await Assert.ThrowsAsync<ApiException>(() => fetcher.FetchAsync(fx.Images.Url("/to-private"), "img", CancellationToken.None));
        Assert.Contains("10.1.2.3", e.Message);
        Assert.Contains("refused", e.Message);
        Assert.Equal("img", e.Param);
    }

    [Fact]
    public async Task Fetch_SlowServer_FailsAfterTheTotalTimeout()
    {
        using var fetcher = new Images.ImageFetcher(1 << 20, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(300), 3, _ => true);
        var e = await Assert.ThrowsAsync<ApiException>(() => fetcher.FetchAsync(fx.Images.Url("/slow.png"), "img", CancellationToken.None));
        Assert.Equal(400, e.Status);
        Assert.Contains("longer than", e.Message);
    }

    [Fact]
    public async Task Fetch_SmallImageWithinCap_ReturnsItsBytes()
    {
        using var fetcher = new Images.ImageFetcher(ServerFixture.SmallPng.Length, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), 3, _ => true);
        Engine.Conversations.ImageInput image = await fetcher.FetchAsync(fx.Images.Url("/small.png"), "img", CancellationToken.None);
        Assert.Equal(ServerFixture.SmallPng, image.Bytes.ToArray());
        await Assert.ThrowsAsync<ApiException>(() => fetcher.FetchAsync(fx.Images.Url("/big-chunked.png"), "img", CancellationToken.None));
    }
}
