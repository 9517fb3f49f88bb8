using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace WgSupervisor.Cli.Api;

/// <summary>The body of a successful answer, kept as text so that --json can pass it through unchanged.</summary>
public sealed record ApiAnswer(HttpStatusCode Status, string Body)
{
    public T Read<T>()
    {
        try
        {
            return JsonSerializer.Deserialize<T>(Body, AdminClient.Json)
                   ?? throw new UnexpectedAnswerException("the supervisor answered with an empty body");
        }
        catch (JsonException e)
        {
            throw new UnexpectedAnswerException($"the supervisor's answer is not the expected JSON ({e.Message})", e);
        }
    }
}

/// <summary>
/// HTTP client of the admin API. Turns every way of failing into one of three exceptions: the API said no
/// (<see cref="ApiProblemException"/>), nobody answered (<see cref="ApiUnreachableException"/>), or the answer made no sense
/// (<see cref="UnexpectedAnswerException"/>). Sends the token as a bearer header on every request when one is given
/// (off loopback the supervisor wants a token for reads too); over https with --ca-file, only that CA is trusted.
/// </summary>
public sealed class AdminClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private readonly HttpClient _http;
    private readonly ClientSettings _settings;

    public AdminClient(ClientSettings settings)
    {
        _settings = settings;
        _http = new HttpClient(Handler(settings))
        {
            BaseAddress = settings.BaseUrl,
            // Each request gets its own time-out (see SendAsync); the stream must be able to stay open for hours.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("wgsup", typeof(AdminClient).Assembly.GetName().Version?.ToString(3)));
    }

    private static SocketsHttpHandler Handler(ClientSettings settings)
    {
        // A thousand tunnels are ~800 kB of JSON and ~60 kB compressed (the host keeps the list compressed).
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = settings.Timeout, AllowAutoRedirect = false, AutomaticDecompression = System.Net.DecompressionMethods.All,
        };
        if (settings.TrustedAuthorities is { } authorities)
        {
            // The server's chain must end at one of these CAs (and at no system root); SslStream still checks the host name
            // against the certificate, and any chain or name error fails the connection.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(authorities);
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }
        return handler;
    }

    public Uri BaseUrl => _settings.BaseUrl;
    public bool HasToken => _settings.Token is not null;

    /// <param name="alsoAccepted">Error statuses that are answers for this route (503 from /healthz), returned instead of thrown.</param>
    public Task<ApiAnswer> GetAsync(string relativeUrl, CancellationToken cancellationToken, params HttpStatusCode[] alsoAccepted) =>
        SendAsync(() => WithToken(new HttpRequestMessage(HttpMethod.Get, relativeUrl)), cancellationToken, alsoAccepted);

    /// <summary>A command (POST): carries the token and X-Operator, and an optional JSON body.</summary>
    public Task<ApiAnswer> PostAsync(string relativeUrl, object? body, CancellationToken cancellationToken) =>
        SendAsync(() =>
        {
            var request = WithToken(new HttpRequestMessage(HttpMethod.Post, relativeUrl));
            if (body is not null) request.Content = JsonContent.Create(body, options: Json);
            if (_settings.Operator is not null) request.Headers.Add("X-Operator", _settings.Operator);
            return request;
        }, cancellationToken, []);

    /// <summary>
    /// Opens a server-sent event stream: the time-out covers the connection and the answer's headers only,
    /// the stream itself lasts until the server ends it or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task<Stream> OpenStreamAsync(string relativeUrl, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_settings.Timeout);
        HttpResponseMessage? response = null;
        try
        {
            using var request = WithToken(new HttpRequestMessage(HttpMethod.Get, relativeUrl));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            if (!response.IsSuccessStatusCode) await ThrowProblemAsync(response, limit.Token);
            var stream = await response.Content.ReadAsStreamAsync(limit.Token);
            response = null; // the stream owns the connection now
            return stream;
        }
        catch (Exception e) when (Unreachable(e, cancellationToken) is { } unreachable)
        {
            throw unreachable;
        }
        finally
        {
            response?.Dispose();
        }
    }

    private HttpRequestMessage WithToken(HttpRequestMessage request)
    {
        if (_settings.Token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _settings.Token);
        return request;
    }

    private async Task<ApiAnswer> SendAsync(Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken, HttpStatusCode[] alsoAccepted)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_settings.Timeout);
        try
        {
            using var request = createRequest();
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, limit.Token);
            if (!response.IsSuccessStatusCode && !alsoAccepted.Contains(response.StatusCode)) await ThrowProblemAsync(response, limit.Token);
            return new ApiAnswer(response.StatusCode, await response.Content.ReadAsStringAsync(limit.Token));
        }
        catch (Exception e) when (Unreachable(e, cancellationToken) is { } unreachable)
        {
            throw unreachable;
        }
    }

    private static async Task ThrowProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new ApiProblemException(response.StatusCode,
            Problem.From(response.StatusCode, response.ReasonPhrase, response.Content.Headers.ContentType?.MediaType, body));
    }

    /// <summary>Transport failures and our own time-out become "unreachable"; the caller's cancellation (Ctrl-C) passes through.</summary>
    private ApiUnreachableException? Unreachable(Exception e, CancellationToken callerToken) => e switch
    {
        OperationCanceledException when !callerToken.IsCancellationRequested =>
            new ApiUnreachableException($"no answer from {_settings.BaseUrl} within {_settings.Timeout.TotalSeconds:0.###} s (--timeout)", e),
        HttpRequestException { StatusCode: null } http =>
            new ApiUnreachableException($"cannot reach the supervisor at {_settings.BaseUrl}: {Describe(http)}", e),
        IOException io => new ApiUnreachableException($"the connection to {_settings.BaseUrl} broke: {io.Message}", e),
        _ => null,
    };

    private string Describe(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.NameResolutionError => $"unknown host '{_settings.BaseUrl.Host}'",
        HttpRequestError.ConnectionError when e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
            "connection refused; is the supervisor running, and is --url right?",
        HttpRequestError.SecureConnectionError =>
            $"TLS failed ({(e.InnerException ?? e).Message}); if the supervisor's certificate comes from a private CA, give that CA with " +
            $"--ca-file PATH or ${ClientSettings.CaFileVariable}",
        _ => e.Message,
    };

    public void Dispose() => _http.Dispose();
}
