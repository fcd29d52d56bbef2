'use client';

export * from './handoff-provider.tsx';
export * from './manage-subscription-button.tsx';
export * from './paybis-widget-launcher.tsx';
