// Downloads http(s) image URLs for requests, defensively: connect and total timeouts, a byte cap,
// redirects followed by hand (at most MaxRedirects), and an address check at connect time on every
// hop. The check runs inside SocketsHttpHandler.ConnectCallback on the addresses actually dialled,
// so a DNS answer that changes between a check and the connect (rebinding) cannot slip through.
// It never reads files and never uses a proxy (a proxy would make the address check meaningless).
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using QwenVL.Engine.Conversations;

namespace QwenVL.Server.Images;

/// <summary>Fetches images over HTTP with SSRF protection.</summary>
public sealed class ImageFetcher : IDisposable
{
    private readonly HttpClient _client;
    private readonly long _maxBytes;
    private readonly int _maxRedirects;
    private readonly TimeSpan _totalTimeout;
    private readonly Func<IPAddress, bool> _allowed;

    /// <summary>
    /// Creates a fetcher. <paramref name="allowed"/> decides which addresses may be dialled
    /// (default <see cref="AddressPolicy.IsPublic"/>; pass <c>_ => true</c> for --allow-private-urls).
    /// </summary>
    public ImageFetcher(long maxBytes, TimeSpan connectTimeout, TimeSpan totalTimeout, int maxRedirects, Func<IPAddress, bool>? allowed = null)
    {
        _maxBytes = maxBytes;
        _maxRedirects = maxRedirects;
        _totalTimeout = totalTimeout;
        _allowed = allowed ?? AddressPolicy.IsPublic;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = connectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            MaxResponseHeadersLength = 64,
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("qwenvl-server", "1.0"));
    }

    /// <summary>Downloads <paramref name="url"/>; errors are <see cref="ApiException"/> 400 naming <paramref name="field"/>.</summary>
    public async Task<ImageInput> FetchAsync(string url, string field, CancellationToken cancellationToken)
    {
        using var total = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        total.CancelAfter(_totalTimeout);
        Uri uri = ParseUrl(url, field);
        try
        {
            for (int hop = 0; ; hop++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                using HttpResponseMessage response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, total.Token).ConfigureAwait(false);
                int status = (int)response.StatusCode;
                if (status is 301 or 302 or 303 or 307 or 308)
                {
                    if (hop >= _maxRedirects)
                    {
                        throw ApiException.BadRequest($"{field}: more than {_maxRedirects} redirects fetching {url}", field);
                    }
                    Uri? location = response.Headers.Location
                        ?? throw ApiException.BadRequest($"{field}: redirect without a Location header from {uri}", field);
                    uri = ParseUrl(new Uri(uri, location).ToString(), field);
                    continue;
                }
                if (status is < 200 or > 299)
                {
                    throw ApiException.BadRequest($"{field}: fetching {uri} answered HTTP {status}", field);
                }
                byte[] bytes = await ReadCappedAsync(response, field, total.Token).ConfigureAwait(false);
                return new ImageInput(bytes, field);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw ApiException.BadRequest($"{field}: fetching {url} took longer than {_totalTimeout.TotalSeconds:0.###} s", field);
        }
        catch (HttpRequestException e)
        {
            for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            {
                if (inner is ApiException refused)
                {
                    throw ApiException.BadRequest($"{field}: {refused.Message}", field);
                }
            }
            throw ApiException.BadRequest($"{field}: cannot fetch {uri}: {e.Message}", field);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    private static Uri ParseUrl(string url, string field)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw ApiException.BadRequest($"{field}: only http(s) and data: image URLs are accepted", field);
        }
        if (uri.UserInfo.Length > 0)
        {
            throw ApiException.BadRequest($"{field}: image URLs with credentials are not accepted", field);
        }
        return uri;
    }

    private async Task<byte[]> ReadCappedAsync(HttpResponseMessage response, string field, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > _maxBytes)
        {
            throw TooLarge(field, response.Content.Headers.ContentLength.Value);
        }
        using var buffer = new MemoryStream();
        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            byte[] chunk = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > _maxBytes)
                {
                    throw TooLarge(field, null);
                }
                buffer.Write(chunk, 0, read);
            }
        }
        return buffer.ToArray();
    }

    private ApiException TooLarge(string field, long? size) =>
        ApiException.BadRequest($"{field}: the image is {(size is long s ? s + " bytes" : "larger than the limit")}; at most {_maxBytes} bytes are accepted", field);

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        string host = context.DnsEndPoint.Host.Trim('[', ']');
        IPAddress[] addresses = IPAddress.TryParse(host, out IPAddress? literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new HttpRequestException($"'{host}' has no address");
        }
        // Every address must pass: a name resolving to both a public and a private address is refused.
        foreach (IPAddress a in addresses)
        {
            if (!_allowed(a))
            {
                throw ApiException.BadRequest(
                    $"image URL host '{host}' resolves to {a}, a private, loopback, link-local or reserved address; refused (start the server with --allow-private-urls to permit it)",
                    null);
            }
        }
        Exception? last = null;
        foreach (IPAddress a in addresses)
        {
            var socket = new Socket(a.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(a, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new HttpRequestException($"cannot connect to {host}: {last?.Message}", last);
    }
}
