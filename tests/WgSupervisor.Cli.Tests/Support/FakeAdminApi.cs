using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace WgSupervisor.Cli.Tests.Support;

/// <summary>A request as the fake API received it.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}

/// <summary>
/// A scripted stand-in for the admin API on 127.0.0.1 (HttpListener): each test says what a route answers, and reads
/// back what wgsup sent. Unscripted routes answer 404 with a body that is no problem+json, as a foreign server would.
/// </summary>
public sealed class FakeAdminApi : IAsyncDisposable
{
    public delegate Task Handler(HttpListenerContext context, RecordedRequest request);

    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, Handler> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public FakeAdminApi()
    {
        // HttpListener cannot pick a free port itself: take one from the kernel, release it, listen on it (retry on a race).
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";
    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    /// <summary>Scripts "METHOD /path" (path without query).</summary>
    public FakeAdminApi On(string method, string path, Handler handler)
    {
        _routes[$"{method} {path}"] = handler;
        return this;
    }

    public FakeAdminApi OnJson(string method, string path, int status, string json, string contentType = "application/json") =>
        On(method, path, (context, _) => WriteAsync(context, status, json, contentType));

    public FakeAdminApi OnProblem(string method, string path, int status, string title, string detail, string parameter = "name") =>
        OnJson(method, path, status,
            $$"""{"type":"https://tools.ietf.org/html/rfc9110","title":"{{title}}","status":{{status}},"detail":"{{detail}}","parameter":"{{parameter}}"}""",
            "application/problem+json");

    public static async Task WriteAsync(HttpListenerContext context, int status, string body, string contentType = "application/json")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    /// <summary>A server-sent event stream: the events as given (each "event: tunnel", one data line), then the stream ends.</summary>
    public FakeAdminApi OnStream(string path, IReadOnlyList<string> tunnelDocuments, string? keepAlive = ": keep-alive") =>
        On("GET", path, async (context, _) =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/event-stream";
            context.Response.SendChunked = true;
            var output = context.Response.OutputStream;
            if (keepAlive is not null) await output.WriteAsync(Encoding.UTF8.GetBytes(keepAlive + "\n\n"));
            foreach (var document in tunnelDocuments)
            {
                await output.WriteAsync(Encoding.UTF8.GetBytes($"event: tunnel\ndata: {document}\n\n"));
                await output.FlushAsync();
            }
            context.Response.Close();
        });

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var request = context.Request;
            var body = request.HasEntityBody ? await new StreamReader(request.InputStream, Encoding.UTF8).ReadToEndAsync() : "";
            var headers = request.Headers.AllKeys.Where(k => k is not null)
                .ToDictionary(k => k!.ToLowerInvariant(), k => request.Headers[k] ?? "");
            var recorded = new RecordedRequest(request.HttpMethod, request.Url!.PathAndQuery, headers, body);
            _requests.Enqueue(recorded);
            if (_routes.TryGetValue($"{request.HttpMethod} {request.Url.AbsolutePath}", out var handler)) await handler(context, recorded);
            else await WriteAsync(context, 404, "no such route on this fake", "text/plain");
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away (a time-out test): nothing to answer.
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        // Close alone, not Stop and then Close: on Linux the second one binds the port again for a moment to remove
        // its prefix, and fails when another test has taken the port meanwhile.
        _listener.Close();
        await _serving;
        _stop.Dispose();
    }
}
