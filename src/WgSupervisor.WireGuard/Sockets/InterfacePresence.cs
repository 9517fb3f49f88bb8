using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace WgSupervisor.WireGuard.Sockets;

/// <summary>
/// Which of some interface names exist in a network namespace: SIOCGIFINDEX on a socket made in that
/// namespace. No process, no netlink parsing.
/// </summary>
public static partial class InterfacePresence
{
    private const ulong SiocGetInterfaceIndex = 0x8933;
    private const int InterfaceRequestSize = 40;
    private const int MaxNameLength = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int ioctl(nint fd, ulong request, byte* argument);

    public static IReadOnlySet<string> Present(string? networkNamespace, IEnumerable<string> names)
    {
        using var socket = NamespaceSockets.InNamespace(networkNamespace, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        var handle = socket.SafeHandle.DangerousGetHandle();
        return names.Where(name => Exists(handle, name)).ToHashSet(StringComparer.Ordinal);
    }

    private static unsafe bool Exists(nint socket, string name)
    {
        var bytes = Encoding.ASCII.GetBytes(name);
        if (bytes.Length is 0 or > MaxNameLength) return false;
        var request = stackalloc byte[InterfaceRequestSize];
        new Span<byte>(request, InterfaceRequestSize).Clear();
        bytes.CopyTo(new Span<byte>(request, MaxNameLength));
        return ioctl(socket, SiocGetInterfaceIndex, request) == 0;
    }
}
