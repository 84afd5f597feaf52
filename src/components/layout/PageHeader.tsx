import type { ReactNode } from 'react';

import { PRODUCT_NAME } from '@/lib/product';

/** The page's one <h1>, its description, and the document title (React 19 hoists <title> into <head>). */
export function PageHeader({ title, description }: { title: string; description?: ReactNode }) {
  return (
    <div className="space-y-1">
      <title>{`${title} · ${PRODUCT_NAME}`}</title>
      <h1 className="text-2xl font-semibold tracking-tight break-words">{title}</h1>
      {description ? <p className="text-muted-foreground">{description}</p> : null}
    </div>
  );
}
