/*
 * The public part of the direct data plane: the transport, its routing tables and the error a
 * broken connection raises. Connection, server and framing stay internal to the framework.
 */
export { advertisedAddress, formatAddress, parseAddress, type DirectAddress } from './address';
export { ConnectionLostError } from './direct-connection';
export { AnnouncedRoutes, type DirectRoute, type DirectRoutes } from './direct-routes';
export { DirectTransport, type DirectTransportOptions, type DirectListenOptions } from './direct-transport';
export { RegistryRoutes, type RegistryRoutesOptions } from './registry-routes';
export { appDataSecret, handshakeProof } from './handshake-proof';
