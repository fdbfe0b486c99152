import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'projection_checkpoints' })
export class ProjectionCheckpointRow {
  @PrimaryColumn({ type: 'text' }) projection: string;
  @Column({ type: 'bigint' }) position: string;
}
