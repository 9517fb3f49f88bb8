using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace WgSupervisor.WireGuard.Sockets;

/// <summary>
/// Creates sockets inside a network namespace without spawning a process: a dedicated thread enters the
/// namespace (setns), creates the socket (a socket belongs to the namespace it was created in for life),
/// and returns to its own namespace. Only a dedicated thread may do this; a pool thread must never change
/// namespace.
/// </summary>
public static partial class NamespaceSockets
{
    private const int CloneNewNet = 0x40000000;
    private const string NamespaceDirectory = "/var/run/netns";

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    /// <summary>Runs <paramref name="create"/> inside the namespace (null: the current one) and returns its result.</summary>
    public static T InNamespace<T>(string? networkNamespace, Func<T> create)
    {
        if (networkNamespace is null) return create();
        var path = Path.Combine(NamespaceDirectory, networkNamespace);
        if (!File.Exists(path)) throw new SocketException((int)SocketError.NetworkUnreachable, $"network namespace {networkNamespace} does not exist");

        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var own = File.OpenHandle($"/proc/thread-self/ns/net");
                using var target = File.OpenHandle(path);
                if (setns((int)target.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new SocketException(Marshal.GetLastPInvokeError(), $"cannot enter network namespace {networkNamespace}");
                try
                {
                    result = create();
                }
                finally
                {
                    // If the way back fails the thread stays in the namespace, but it ends right here.
                    setns((int)own.DangerousGetHandle(), CloneNewNet);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true, Name = $"netns {networkNamespace}" };
        thread.Start();
        thread.Join();
        if (failure is not null) throw failure is SocketException ? failure : new SocketException((int)SocketError.SocketError, failure.Message);
        return result!;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string pathname, int flags, uint mask, byte* buffer);

    private const int AtFdCwd = -100;
    private const uint StatxInode = 0x100;
    private const int StatxInodeOffset = 32;

    /// <summary>The namespace's inode (a namespace deleted and made again gets a new one), or null if it does not exist.</summary>
    public static unsafe ulong? Identity(string? networkNamespace)
    {
        if (networkNamespace is null) return 0;
        var buffer = stackalloc byte[256];
        if (statx(AtFdCwd, Path.Combine(NamespaceDirectory, networkNamespace), 0, StatxInode, buffer) != 0) return null;
        return *(ulong*)(buffer + StatxInodeOffset);
    }
}
