using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace WgSupervisor.Cli.Tests.Support;

/// <summary>
/// An HTTPS server on 127.0.0.1 that answers every request with one JSON body (HTTP/1.1, one request per connection), for
/// what wgsup does over TLS: which certificates it accepts and what headers it sends. HttpListener has no TLS of its own.
/// </summary>
public sealed class TlsJsonServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly string _body;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Task _serving;

    public TlsJsonServer(X509Certificate2 certificate, string body)
    {
        _certificate = certificate;
        _body = body;
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The request heads received over TLS (request line and headers).</summary>
    public IReadOnlyList<string> Requests => _requests.ToList();

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using var _ = client;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        limit.CancelAfter(TimeSpan.FromSeconds(20));
        try
        {
            await using var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, limit.Token);
            var head = await ReadHeadAsync(tls, limit.Token);
            // With TLS 1.3 the server's side of the handshake ends before the client has judged the certificate: a client
            // that refuses it hangs up before sending anything. Only a request that came is one.
            if (head.Length == 0) return;
            _requests.Enqueue(head);
            var body = Encoding.UTF8.GetBytes(_body);
            var answer = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
            await tls.WriteAsync(Encoding.ASCII.GetBytes(answer), limit.Token);
            await tls.WriteAsync(body, limit.Token);
            await tls.FlushAsync(limit.Token);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            // A client that refused our certificate hangs up during the handshake: that is what some tests want.
        }
    }

    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (head.Length < 16_384 && !head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(buffer, cancellationToken) == 0) break;
            head.Append((char)buffer[0]);
        }
        return head.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving;
        _stop.Dispose();
    }
}
