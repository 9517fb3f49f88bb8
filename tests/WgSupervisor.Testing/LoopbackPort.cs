using System.Net;
using System.Net.Sockets;

namespace WgSupervisor.Testing;

/// <summary>Ports on 127.0.0.1 for the processes a test or benchmark starts.</summary>
public static class LoopbackPort
{
    /// <summary>A port the kernel just handed out and took back; free unless another program grabs it first.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
