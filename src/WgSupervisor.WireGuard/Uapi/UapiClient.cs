using System.Net.Sockets;
using System.Text;

namespace WgSupervisor.WireGuard.Uapi;

/// <summary>
/// Talks to a userspace WireGuard (wireguard-go, boringtun) over its UAPI unix socket in /var/run/wireguard.
/// The sockets are shared by every network namespace of the host.
/// </summary>
public static class UapiClient
{
    public const string SocketDirectory = "/var/run/wireguard";
    private const int MaxAnswerBytes = 8 * 1024 * 1024;

    public static string SocketPath(string interfaceName) => Path.Combine(SocketDirectory, $"{interfaceName}.sock");

    /// <summary>Interfaces that have a UAPI socket (whatever namespace they live in).</summary>
    public static IReadOnlyList<string> SocketInterfaces() =>
        Directory.Exists(SocketDirectory)
            ? Directory.EnumerateFiles(SocketDirectory, "*.sock").Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>Sends `get=1` and returns the answer up to and including its errno line.</summary>
    /// <exception cref="IOException">The socket is gone, refuses, or did not answer within <paramref name="timeout"/>.</exception>
    public static async Task<string> GetAsync(string interfaceName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath(interfaceName)), limit.Token);
            await socket.SendAsync("get=1\n\n"u8.ToArray(), SocketFlags.None, limit.Token);
            var answer = new StringBuilder();
            var buffer = new byte[16 * 1024];
            while (answer.Length < MaxAnswerBytes)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
                if (read == 0) break;
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
                if (EndsWithErrno(answer)) break;
            }
            return answer.ToString();
        }
        catch (SocketException e)
        {
            throw new IOException($"UAPI socket of {interfaceName}: {e.SocketErrorCode}", e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"UAPI socket of {interfaceName} did not answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    private static bool EndsWithErrno(StringBuilder answer)
    {
        var text = answer.ToString();
        var errno = text.LastIndexOf("errno=", StringComparison.Ordinal);
        return errno >= 0 && (errno == 0 || text[errno - 1] == '\n') && text.EndsWith("\n\n", StringComparison.Ordinal);
    }
}
