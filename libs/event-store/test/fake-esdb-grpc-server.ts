import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import featuresGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import featuresPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';

type BatchAppendCall = grpc.ServerDuplexStream<streamsPb.BatchAppendReq, streamsPb.BatchAppendResp>;
type ReadCall = grpc.ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>;

interface Written {
  streamName: string;
  id: string;
  revision: number;
  type: string;
  data: Uint8Array;
  position: bigint;
}

/**
 * NOT EventStoreDB: a gRPC server speaking the few calls of its protocol the adapter makes, so
 * the real @eventstore/db-client runs against it: ServerFeatures (it announces BatchAppend, so
 * the client uses it as with a 24.10 server), Streams.BatchAppend (answers can be held back) and
 * Streams.Read for subscriptions to $all (the server can drop them with a gRPC status, as a
 * restarting server or a keep-alive timeout does). No version checks, no reads of streams.
 */
export class FakeEsdbGrpcServer {
  readonly log: Written[] = [];
  /** While set, batch appends are not answered until `releaseAppends`. */
  holdAppends = false;
  private held: (() => void)[] = [];
  private readonly subscriptions = new Set<{ call: ReadCall; after: bigint }>();
  private readonly server = new grpc.Server();
  private nextPosition = 8_192n;
  port = 0;

  async start(): Promise<string> {
    this.server.addService(featuresGrpc.ServerFeaturesService, {
      getSupportedMethods: (_call: unknown, callback: grpc.sendUnaryData<featuresPb.SupportedMethods>) => {
        const methods = ['batchappend', 'append', 'read'].map((name) =>
          new featuresPb.SupportedMethod().setServiceName('event_store.client.streams.streams').setMethodName(name),
        );
        callback(null, new featuresPb.SupportedMethods().setMethodsList(methods).setEventStoreServerVersion('24.10.4'));
      },
    });
    this.server.addService(streamsGrpc.StreamsService, {
      batchAppend: (call: BatchAppendCall) => call.on('data', (request: streamsPb.BatchAppendReq) => this.batchAppend(call, request)),
      read: (call: ReadCall) => this.subscribe(call),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  get appendsWaiting(): number {
    return this.held.length;
  }

  get subscribers(): number {
    return this.subscriptions.size;
  }

  releaseAppends(): void {
    this.holdAppends = false;
    for (const answer of this.held.splice(0)) answer();
  }

  /** Ends every subscription with a gRPC status, as a server going away does (UNAVAILABLE). */
  dropSubscriptions(code = grpc.status.UNAVAILABLE): void {
    for (const subscription of [...this.subscriptions]) {
      this.subscriptions.delete(subscription);
      // How a grpc-js server ends a stream with a status.
      subscription.call.emit('error', Object.assign(new Error('fake server: going away'), { code, details: 'fake server: going away' }));
    }
  }

  async stop(): Promise<void> {
    this.server.forceShutdown();
  }

  private batchAppend(call: BatchAppendCall, request: streamsPb.BatchAppendReq): void {
    const streamIdentifier = request.getOptions()!.getStreamIdentifier()!;
    const streamName = Buffer.from(streamIdentifier.getStreamName_asU8()).toString('utf8');
    const written = request.getProposedMessagesList().map((message) => ({
      id: message.getId()!.getString(),
      type: message.getMetadataMap().get('type') ?? '',
      data: message.getData_asU8(),
    }));
    const answer = () => {
      if (call.destroyed) return;
      let revision = this.log.filter((e) => e.streamName === streamName).length;
      let last!: Written;
      for (const event of written) {
        last = { streamName, ...event, revision: revision++, position: this.nextPosition };
        this.nextPosition += 128n + BigInt(event.data.length);
        this.log.push(last);
        for (const subscription of this.subscriptions) if (last.position > subscription.after) subscription.call.write(readEvent(last));
      }
      const position = new sharedPb.AllStreamPosition().setCommitPosition(last.position.toString()).setPreparePosition(last.position.toString());
      const success = new streamsPb.BatchAppendResp.Success().setCurrentRevision(String(last.revision)).setPosition(position);
      call.write(new streamsPb.BatchAppendResp().setCorrelationId(request.getCorrelationId()).setStreamIdentifier(streamIdentifier).setSuccess(success));
    };
    if (this.holdAppends) this.held.push(answer);
    else answer();
  }

  private subscribe(call: ReadCall): void {
    const all = call.request.getOptions()?.getAll();
    const from = all?.hasPosition() ? BigInt(all.getPosition()!.getCommitPosition()) : -1n;
    const subscription = { call, after: from };
    this.subscriptions.add(subscription);
    call.on('cancelled', () => this.subscriptions.delete(subscription));
    call.write(new streamsPb.ReadResp().setConfirmation(new streamsPb.ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
    for (const event of this.log) if (event.position > from) call.write(readEvent(event));
  }
}

function readEvent(event: Written): streamsPb.ReadResp {
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent()
    .setId(new sharedPb.UUID().setString(event.id))
    .setStreamIdentifier(new sharedPb.StreamIdentifier().setStreamName(Buffer.from(event.streamName)))
    .setStreamRevision(String(event.revision))
    .setCommitPosition(event.position.toString())
    .setPreparePosition(event.position.toString())
    .setData(event.data);
  recorded.getMetadataMap().set('type', event.type).set('content-type', 'application/json').set('created', String(BigInt(Date.now()) * 10_000n));
  return new streamsPb.ReadResp().setEvent(new streamsPb.ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(event.position.toString()));
}
